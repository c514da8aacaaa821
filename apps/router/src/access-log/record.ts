// The end of every answer, forwarded or router-made: its duration histograms, and its
// access-log line when the log keeps it (plain requests and upgrades alike).

import type { OutgoingRequest } from "../forward/forward.js";
import type { RouterMetrics } from "../metrics.js";
import type { Pick } from "../pick.js";
import type { RequestSpan } from "../tracing/request-span.js";
import type { AccessLog } from "./access-log.js";
import { forwardedLine, type RefusedRequest, refusedLine } from "./request-line.js";

export interface RecordDeps {
  metrics: RouterMetrics;
  /** Undefined when ROUTER_ACCESS_LOG is off. */
  accessLog: AccessLog | undefined;
}

/** A request a backend answered (or failed): `status` as the client saw it, `reason` the router's. */
export function recordForwarded(
  deps: RecordDeps,
  out: OutgoingRequest,
  pick: Pick,
  status: number,
  reason: string | undefined,
): void {
  const now = performance.now();
  const durationMs = now - out.startedAt;
  if (out.span !== undefined) endForwardedSpan(out.span, out, pick, status, reason);
  deps.metrics.observeForwarded(out.endpoint, pick, status, durationMs, now - out.attemptStartedAt);
  const log = deps.accessLog;
  if (log === undefined || !log.keeps(status, durationMs)) return;
  log.write(forwardedLine(out, pick, status, reason, now, log.logsQuery));
}

/** An answer the router made without a backend. */
export function recordRefused(
  deps: RecordDeps,
  refused: RefusedRequest,
  status: number,
  reason: string | undefined,
  startedAt: number,
  bytesOutBefore: number,
): void {
  const now = performance.now();
  const durationMs = now - startedAt;
  refused.span?.end({
    status,
    error: reason,
    endpoint: refused.endpoint,
    route: undefined,
    backend: undefined,
    attempts: 0,
  });
  deps.metrics.observeRefused(status, durationMs);
  const log = deps.accessLog;
  if (log === undefined || !log.keeps(status, durationMs)) return;
  log.write(refusedLine(refused, status, reason, startedAt, bytesOutBefore, now, log.logsQuery));
}

function endForwardedSpan(
  span: RequestSpan,
  out: OutgoingRequest,
  pick: Pick,
  status: number,
  reason: string | undefined,
): void {
  if (out.retried !== undefined) for (const { backend, reason } of out.retried) span.retried(backend, reason);
  span.end({
    status,
    error: reason,
    endpoint: out.endpoint.compiled.endpoint.pattern,
    route: pick.route.route.id,
    backend: pick.backend.id,
    attempts: out.attempts,
  });
}
