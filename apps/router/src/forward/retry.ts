// Retries after a failed attempt, on a different backend, with full-jitter back-off and a bound:
// the one retry path of plain requests (forwardOnce) and upgrade dials (dialUpgrade).
// Rule (issue 3): retry a dial failure (nothing was written), or a reset of an idempotent request
// without a body; never once request bytes may have reached a backend otherwise.

import { type Backoff, type Clock, createBackoff } from "@signalbox/backoff";
import type { Pick, RequestPick } from "../pick.js";
import type { AttemptListener, ForwardFailure, ForwardResult, OutgoingRequest } from "./forward.js";

/** One try of `out` on `pick`; tells `listener` exactly once how it ended. */
export type Attempt = (out: OutgoingRequest, pick: Pick, listener: AttemptListener) => void;

export interface RetryDeps {
  clock: Clock;
  random: () => number;
  /** Extra attempts after the first. */
  retries: number;
  /** Ceiling of the first delay; doubles per attempt up to 8x. */
  retryBaseMs: number;
  /** Counts each retry (metrics). */
  onRetry?(failure: ForwardFailure): void;
}

/** Told once with the final result (the last attempt's). */
export type ForwardDone<C> = (context: C, result: ForwardResult, pick: Pick) => void;

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

/** True when `failure` may be retried for this request (see the rule in the header). */
export function isRetryable(
  failure: ForwardFailure,
  method: string,
  hasBody: boolean,
  bodyTouched: boolean,
): boolean {
  if (failure.dial) return !bodyTouched;
  return failure.reset && !hasBody && IDEMPOTENT.has(method);
}

/**
 * Runs `attempt` for `out` on `first`; on a retryable failure picks another backend and tries
 * again, up to the bound, then calls `done(context, result, pick)` once. `attempt` and `done` are
 * made once per listener and `context` is their data, so a request allocates no closure here.
 */
export function forwardWithRetries<C>(
  out: OutgoingRequest,
  first: Pick,
  picker: RequestPick,
  deps: RetryDeps,
  attempt: Attempt,
  done: ForwardDone<C>,
  context: C,
): void {
  attempt(out, first, new Forwarding(out, picker, deps, attempt, done, context));
}

class Forwarding<C> implements AttemptListener {
  private backoff: Backoff | undefined;

  constructor(
    private readonly out: OutgoingRequest,
    private readonly picker: RequestPick,
    private readonly deps: RetryDeps,
    private readonly attempt: Attempt,
    private readonly done: ForwardDone<C>,
    private readonly context: C,
  ) {}

  attemptEnded(result: ForwardResult, pick: Pick): void {
    const { out, deps } = this;
    if (
      result.ok ||
      deps.retries === 0 ||
      !isRetryable(result, out.method, out.hasBody, out.req.readableDidRead)
    ) {
      this.done(this.context, result, pick);
      return;
    }
    this.backoff ??= createBackoff({
      baseMs: deps.retryBaseMs,
      capMs: deps.retryBaseMs * 8,
      maxAttempts: deps.retries,
      random: deps.random,
    });
    const delayMs = this.backoff.next();
    const next = delayMs === undefined ? undefined : this.picker.pickAgain(pick.backend.id);
    if (delayMs === undefined || next === undefined) {
      this.done(this.context, result, pick);
      return;
    }
    out.retried ??= [];
    out.retried.push({ backend: pick.backend.id, reason: result.reason });
    deps.onRetry?.(result);
    deps.clock.setTimeout(() => this.retry(next), delayMs);
  }

  private retry(next: Pick): void {
    // The client socket, not `res` (an upgrade has none); undefined once it closed.
    if (this.out.connection?.socket.destroyed !== false) {
      this.done(this.context, { ok: false, reason: "client-closed", dial: false, reset: false }, next);
      return;
    }
    this.attempt(this.out, next, this);
  }
}
