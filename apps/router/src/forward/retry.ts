// Retries after a failed attempt, on a different backend, with full-jitter back-off and a bound.
// Rule (issue 3): retry a dial failure (nothing was written), or a reset of an idempotent request
// without a body; never once request bytes may have reached a backend otherwise.

import { type Clock, createBackoff, sleep } from "@signalbox/backoff";
import type { Pick, RequestPick } from "../pick.js";
import {
  type ForwardDeps,
  type ForwardFailure,
  type ForwardResult,
  forwardOnce,
  type OutgoingRequest,
} from "./forward.js";

export interface RetryDeps extends ForwardDeps {
  clock: Clock;
  random: () => number;
  /** Extra attempts after the first. */
  retries: number;
  /** Ceiling of the first delay; doubles per attempt up to 8x. */
  retryBaseMs: number;
  /** Counts each retry (metrics). */
  onRetry?(failure: ForwardFailure): void;
}

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

/** Forwards to `first`; on a retryable failure picks another backend and tries again, up to the bound. */
export async function forwardWithRetries(
  out: OutgoingRequest,
  first: Pick,
  picker: RequestPick,
  deps: RetryDeps,
): Promise<ForwardResult> {
  let result = await forwardOnce(out, first, deps);
  if (result.ok || deps.retries === 0) return result;
  const backoff = createBackoff({
    baseMs: deps.retryBaseMs,
    capMs: deps.retryBaseMs * 8,
    maxAttempts: deps.retries,
    random: deps.random,
  });
  let pick = first;
  while (!result.ok && isRetryable(result, out.req.method ?? "GET", out.hasBody, out.req.readableDidRead)) {
    const delayMs = backoff.next();
    const next = picker.pickAgain(pick.backend.id);
    if (delayMs === undefined || next === undefined) return result;
    deps.onRetry?.(result);
    if (delayMs > 0) await sleep(delayMs, { clock: deps.clock });
    if (out.res.destroyed) return { ok: false, reason: "client-closed", dial: false, reset: false };
    pick = next;
    result = await forwardOnce(out, pick, deps);
  }
  return result;
}
