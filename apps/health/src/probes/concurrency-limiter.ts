// Bounds the probes in flight, so 10,000 backends never mean 10,000 sockets at once:
// a probe waits for a slot, first come first served.

/** Gives the slot back; calling it twice is harmless. */
export type Release = () => void;

export interface ConcurrencyLimiter {
  /** A slot, or undefined when `signal` aborts while waiting (the waiter is dropped). */
  acquire(signal?: AbortSignal): Promise<Release | undefined>;
  /** Slots in use. */
  readonly active: number;
  /** Callers waiting for a slot. */
  readonly queued: number;
}

/** At most `max` slots are held at any time. */
export function createConcurrencyLimiter(max: number): ConcurrencyLimiter {
  if (!Number.isInteger(max) || max < 1)
    throw new RangeError(`concurrency ${max} is not a whole number >= 1`);
  let active = 0;
  const waiting = new Set<(release: Release) => void>();

  function grant(): Release {
    active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      active -= 1;
      const next = waiting.values().next();
      if (!next.done) {
        waiting.delete(next.value);
        next.value(grant());
      }
    };
  }

  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.resolve(undefined);
      if (active < max) return Promise.resolve(grant());
      return new Promise((resolve) => {
        const onAbort = () => {
          waiting.delete(wake);
          resolve(undefined);
        };
        const wake = (release: Release) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(release);
        };
        waiting.add(wake);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
    get active() {
      return active;
    },
    get queued() {
      return waiting.size;
    },
  };
}
