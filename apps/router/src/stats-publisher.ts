// Publishes per-backend request and error counts on `stats.router.<routerId>` every interval
// (contract: ARCHITECTURE.md "NATS"); agents turn them into RPS and in-flight figures.

import type { Clock, TimerHandle } from "@signalbox/backoff";
import { codecs, subjects } from "@signalbox/bus";
import type { Logger } from "pino";
import type { BackendStats } from "./backend-stats.js";

export interface StatsPublisherDeps {
  clock: Clock;
  intervalMs: number;
  routerId: string;
  stats: BackendStats;
  /** Sends one message; undefined while there is no NATS connection yet (counts are then dropped). */
  publish(subject: string, data: Uint8Array): void;
  logger: Logger;
  /** Also run each interval (pool housekeeping). */
  onTick?(): void;
}

/** Starts the interval; `stop()` ends it after no further publish. */
export function startStatsPublisher(deps: StatsPublisherDeps): { stop(): void } {
  const subject = subjects.routerStats(deps.routerId);
  let timer: TimerHandle | undefined;
  let last = deps.clock.now();
  const tick = (): void => {
    const now = deps.clock.now();
    const message = {
      routerId: deps.routerId,
      at: now,
      intervalMs: Math.max(1, now - last),
      backends: deps.stats.takeCounts(),
    };
    last = now;
    try {
      deps.publish(subject, codecs.routerStats.encode(message));
    } catch (err) {
      deps.logger.debug({ err }, "router stats not published");
    }
    deps.onTick?.();
    timer = deps.clock.setTimeout(tick, deps.intervalMs);
  };
  timer = deps.clock.setTimeout(tick, deps.intervalMs);
  return {
    stop() {
      if (timer !== undefined) deps.clock.clearTimeout(timer);
      timer = undefined;
    },
  };
}
