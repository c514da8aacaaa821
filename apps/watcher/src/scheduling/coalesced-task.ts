// Burst coalescing for reloads and rebuilds: many triggers become one run after a
// short debounce, with at most one run in flight and one queued behind it.
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
  /** The window after the first trigger during which further triggers fold in. */
  debounceMs: number;
  run: () => Promise<void>;
  /** A run that throws is reported here and never stops later runs. */
  onError: (error: unknown) => void;
}

/**
 * The debounce is a fixed window from the first trigger (not restarted by later ones),
 * so a steady stream of triggers still runs once per window instead of starving.
 */
export function createCoalescedTask(opts: CoalescedTaskOptions): CoalescedTask {
  let timer: TimerHandle | undefined;
  let running: Promise<void> | undefined;
  let queued = false;
  let stopped = false;
  let idleWaiters: (() => void)[] = [];

  const settleIdle = () => {
    if (timer || running || queued) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const schedule = () => {
    timer = opts.clock.setTimeout(() => {
      timer = undefined;
      running = runOnce();
    }, opts.debounceMs);
  };

  const runOnce = async () => {
    try {
      await opts.run();
    } catch (error) {
      opts.onError(error);
    }
    running = undefined;
    if (queued && !stopped) {
      queued = false;
      schedule();
    }
    queued = false;
    settleIdle();
  };

  return {
    trigger() {
      if (stopped || timer) return;
      if (running) {
        queued = true;
        return;
      }
      schedule();
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
      if (timer) opts.clock.clearTimeout(timer);
      timer = undefined;
      await running;
      settleIdle();
    },
  };
}
