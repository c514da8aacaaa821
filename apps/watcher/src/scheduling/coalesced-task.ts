// Burst coalescing for reloads and rebuilds: many triggers become one run, with at
// most one run in flight and one queued behind it.
import type { Clock, TimerHandle } from "@signalbox/backoff";

export interface CoalescedTask {
  /** Asks for a run; a trigger while one is waiting or running folds into the next run. */
  trigger(): void;
  /** Resolves once nothing is waiting or running. */
  idle(): Promise<void>;
  /** Drops a waiting run and refuses new ones; resolves when the running one ends. */
  stop(): Promise<void>;
}

export interface CoalescedTaskOptions {
  clock: Clock;
  /** The window in which triggers fold into one run. */
  debounceMs: number;
  /**
   * Trailing (default): a run starts `debounceMs` after the first trigger of a burst, so the
   * whole burst is in it (a file still being written). Leading: a trigger runs at once when
   * no run started in the last `debounceMs`, later ones fold into one run at the end of the
   * window (an isolated Marathon event costs no wait, a deployment's burst still one or two
   * fetches).
   */
  leading?: boolean;
  run: () => Promise<void>;
  /** A run that throws is reported here and never stops later runs. */
  onError: (error: unknown) => void;
}

/**
 * The window is fixed, never restarted by later triggers, so a steady stream of triggers
 * still runs once per window instead of starving.
 */
export function createCoalescedTask(opts: CoalescedTaskOptions): CoalescedTask {
  const { clock } = opts;
  let timer: TimerHandle | undefined;
  let running: Promise<void> | undefined;
  let queued = false;
  let stopped = false;
  let lastStartMs = Number.NEGATIVE_INFINITY;
  let idleWaiters: (() => void)[] = [];

  const settleIdle = () => {
    if (timer || running || queued) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const start = () => {
    lastStartMs = clock.now();
    running = runOnce();
  };

  const schedule = () => {
    const delayMs = opts.leading ? Math.max(0, lastStartMs + opts.debounceMs - clock.now()) : opts.debounceMs;
    timer = clock.setTimeout(() => {
      timer = undefined;
      start();
    }, delayMs);
  };

  const runOnce = async () => {
    try {
      await opts.run();
    } catch (error) {
      opts.onError(error);
    }
    running = undefined;
    if (queued && !stopped) schedule();
    queued = false;
    settleIdle();
  };

  return {
    trigger() {
      if (stopped || timer) return;
      if (running) queued = true;
      else if (opts.leading && clock.now() - lastStartMs >= opts.debounceMs) start();
      else schedule();
    },
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      });
    },
    async stop() {
      stopped = true;
      queued = false;
      if (timer) clock.clearTimeout(timer);
      timer = undefined;
      await running;
      settleIdle();
    },
  };
}
