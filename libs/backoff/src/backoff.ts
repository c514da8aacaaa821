// Exponential back-off with full jitter ("Exponential Backoff And Jitter", AWS
// Architecture Blog): the delay before retry n is uniform in [0, min(cap, base * factor^n)).

import { BackoffOptionError } from "./errors.js";

export interface BackoffOptions {
  /** Ceiling of the first delay, ms (> 0). */
  baseMs: number;
  /** Growth of the ceiling per attempt (>= 1); default 2. */
  factor?: number;
  /** Largest ceiling, ms (>= baseMs). */
  capMs: number;
  /** Delays handed out before `next()` returns undefined; default unlimited. */
  maxAttempts?: number;
  /** Uniform in [0, 1); default Math.random. */
  random?: () => number;
}

export interface Backoff {
  /** The delay (whole ms) to wait before the next attempt, or undefined once maxAttempts are used up. */
  next(): number | undefined;
  /** Back to attempt 0: call after a success. */
  reset(): void;
  /** Delays handed out since the last reset. */
  readonly attempt: number;
}

/**
 * Full jitter: delay n = floor(random() * min(capMs, baseMs * factor^n)), n = 0, 1, ...
 * Throws BackoffOptionError for options out of range.
 */
export function createBackoff(opts: BackoffOptions): Backoff {
  const factor = opts.factor ?? 2;
  const maxAttempts = opts.maxAttempts ?? Number.POSITIVE_INFINITY;
  const random = opts.random ?? Math.random;
  checkOptions(opts.baseMs, factor, opts.capMs, maxAttempts);
  let attempt = 0;
  return {
    next() {
      if (attempt >= maxAttempts) return undefined;
      const ceilingMs = Math.min(opts.capMs, opts.baseMs * factor ** attempt);
      attempt += 1;
      return Math.floor(random() * ceilingMs);
    },
    reset() {
      attempt = 0;
    },
    get attempt() {
      return attempt;
    },
  };
}

function checkOptions(baseMs: number, factor: number, capMs: number, maxAttempts: number): void {
  if (!(Number.isFinite(baseMs) && baseMs > 0)) throw new BackoffOptionError("baseMs", baseMs, "is not > 0");
  if (!(Number.isFinite(factor) && factor >= 1))
    throw new BackoffOptionError("factor", factor, "is not >= 1");
  if (!(Number.isFinite(capMs) && capMs >= baseMs)) {
    throw new BackoffOptionError("capMs", capMs, `is not >= baseMs (${baseMs})`);
  }
  const countOk =
    maxAttempts === Number.POSITIVE_INFINITY || (Number.isInteger(maxAttempts) && maxAttempts >= 0);
  if (!countOk) throw new BackoffOptionError("maxAttempts", maxAttempts, "is not a whole number >= 0");
}
