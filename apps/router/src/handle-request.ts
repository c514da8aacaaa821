// The request path as one straight line: table snapshot -> match -> filters -> pick -> forward
// (retrying dial failures on another backend) -> respond. Router-made answers go through respond-error.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Connections } from "./connections.js";
import type { FilterOutcome } from "./filters/filter.js";
import type { ForwardResult, OutgoingRequest } from "./forward/forward.js";
import { type ForwardDone, forwardWithRetries, type RetryDeps } from "./forward/retry.js";
import { logPath } from "./log-path.js";
import type { RouterMetrics } from "./metrics.js";
import type { Pick } from "./pick.js";
import { type ErrorReason, respondError, statusOf } from "./respond-error.js";
import { type RouteDeps, routeRequest } from "./route-request.js";

export interface RequestDeps extends RouteDeps, RetryDeps {
  connections: Connections;
  metrics: RouterMetrics;
  logger: Logger;
}

/** The listener's request handler; never throws (every failure becomes an answer or a cut connection). */
export function createRequestHandler(deps: RequestDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const done: ForwardDone<OutgoingRequest> = (out, result, pick) => answerForwarded(out, result, pick, deps);
  return (req, res) => handleRequest(req, res, deps, done);
}

function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  deps: RequestDeps,
  done: ForwardDone<OutgoingRequest>,
): void {
  const connection = deps.connections.requestStarted(req.socket);
  try {
    const routed = routeRequest(req, res, connection, deps);
    if (routed.kind === "routed") {
      forwardWithRetries(routed.out, routed.pick, routed.picker, deps, done, routed.out);
      return;
    }
    if (routed.kind === "refused") answerError(res, routed.reason, routed.requestId, deps);
    else answerFilter(res, routed.outcome, routed.requestId, deps);
  } catch (err) {
    deps.logger.error({ err, path: logPath(req.url) }, "request handler failed");
    res.destroy();
  }
  deps.connections.requestFinished(req.socket);
}

/** The end of a forwarded request: count it, log it, answer a failure. */
function answerForwarded(out: OutgoingRequest, result: ForwardResult, pick: Pick, deps: RequestDeps): void {
  if (result.ok) {
    deps.metrics.countStatus(result.status);
    if (deps.logger.isLevelEnabled("debug")) {
      deps.logger.debug(
        { requestId: out.requestId, status: result.status, backend: pick.backend.id },
        "proxied",
      );
    }
  } else if (result.reason !== "client-closed") {
    deps.logger.warn(
      {
        requestId: out.requestId,
        reason: result.reason,
        path: logPath(out.path),
        host: out.host,
        client: out.clientIp,
        backend: pick.backend.id,
      },
      "request failed",
    );
    answerError(out.res, result.reason, out.requestId, deps);
  }
  deps.connections.requestFinished(out.req.socket);
}

function answerError(
  res: ServerResponse,
  reason: ErrorReason,
  requestId: string,
  deps: RequestDeps,
  headers: readonly string[] = [],
): void {
  deps.metrics.countError(reason, statusOf(reason));
  if (deps.connections.isClosing) res.shouldKeepAlive = false;
  respondError(res, reason, headers, requestId);
}

function answerFilter(
  res: ServerResponse,
  outcome: FilterOutcome,
  requestId: string,
  deps: RequestDeps,
): void {
  if (outcome.kind === "error") {
    answerError(res, outcome.reason, requestId, deps, outcome.headers);
    return;
  }
  deps.metrics.countStatus(outcome.status);
  if (deps.connections.isClosing) res.shouldKeepAlive = false;
  res.writeHead(outcome.status, outcome.headers);
  res.end();
}
