// Moves a ManualClock forward in small steps while real I/O (sockets, files) happens,
// until a condition holds: timers fire in manual time, the network in real time.
import type { ManualClock } from "@signalbox/backoff/testing";

export interface DriveOptions {
  /** Manual ms per step (default 10). */
  stepMs?: number;
  /** Real ms before giving up (default 5000). */
  timeoutMs?: number;
}

export async function driveUntil(
  clock: ManualClock,
  condition: () => boolean,
  what: string,
  opts: DriveOptions = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 5_000);
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    clock.advance(opts.stepMs ?? 10);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Lets real I/O run for `ms` without moving the manual clock. */
export function realDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
