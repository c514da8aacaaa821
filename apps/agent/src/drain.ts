// The end of a drain: wait until the routers report this backend idle (no new request and
// none in flight over an interval that began after the drain did), or DRAIN_TIMEOUT_MS.
import { type Clock, sleep } from "@signalbox/backoff";
import type { RouterStatsTracker } from "./router-stats.js";

/** How often the drain looks at the routers' reports. */
export const DRAIN_POLL_MS = 100;

export type DrainOutcome = "drained" | "timeout";

/**
 * Resolves "drained" as soon as `tracker.isDrained(sinceMs, now)`, or "timeout" once
 * `timeoutMs` have passed since the call; with timeoutMs 0 it looks once.
 */
export async function waitForDrain(opts: {
  tracker: RouterStatsTracker;
  clock: Clock;
  sinceMs: number;
  timeoutMs: number;
}): Promise<DrainOutcome> {
  const deadline = opts.clock.now() + opts.timeoutMs;
  for (;;) {
    const now = opts.clock.now();
    if (opts.tracker.isDrained(opts.sinceMs, now)) return "drained";
    if (now >= deadline) return "timeout";
    await sleep(Math.min(DRAIN_POLL_MS, deadline - now), { clock: opts.clock });
  }
}
