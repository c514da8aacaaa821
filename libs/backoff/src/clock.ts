// Time as a dependency: the Clock interface and systemClock, the only code in
// Signalbox that touches the global timers (tests pass a ManualClock instead).

/** Opaque handle returned by `Clock.setTimeout`; only its own clock can clear it. */
export type TimerHandle = object;

/** Epoch milliseconds and one-shot timers; every timed behaviour takes one of these. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: `Date.now()` and the global timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};
