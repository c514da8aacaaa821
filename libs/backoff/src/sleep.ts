// An abortable sleep on an injectable Clock.

import { type Clock, systemClock } from "./clock.js";

export interface SleepOptions {
  /** Default systemClock. */
  clock?: Clock;
  /** Aborting clears the timer and rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Resolves after `ms` on `clock`; rejects with `signal.reason` as soon as the signal
 * aborts (at once when it already has), leaving no timer or listener behind.
 */
export function sleep(ms: number, opts: SleepOptions = {}): Promise<void> {
  const clock = opts.clock ?? systemClock;
  const signal = opts.signal;
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
