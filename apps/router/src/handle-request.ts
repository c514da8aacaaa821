// The request path as one straight line: table snapshot -> match -> filters -> pick -> forward
// (retrying dial failures on another backend) -> respond. Router-made answers go through respond-error.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Connections } from "./connections.js";
import type { FilterOutcome } from "./filters/filter.js";
import { forwardWithRetries, type RetryDeps } from "./forward/retry.js";
import type { RouterMetrics } from "./metrics.js";
import { type ErrorReason, respondError, statusOf } from "./respond-error.js";
import { type RouteDeps, routeRequest } from "./route-request.js";

export interface RequestDeps extends RouteDeps, RetryDeps {
  connections: Connections;
  metrics: RouterMetrics;
  logger: Logger;
}

/** Serves one client request; never throws (every failure becomes an answer or a cut connection). */
export async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  deps: RequestDeps,
): Promise<void> {
  const socket = req.socket;
  deps.connections.requestStarted(socket);
  try {
    const routed = routeRequest(req, res, deps, false);
    if (routed.kind === "refused") return answerError(res, routed.reason, routed.requestId, deps);
    if (routed.kind === "filtered") return answerFilter(res, routed.outcome, routed.requestId, deps);
    const result = await forwardWithRetries(routed.out, routed.pick, routed.picker, deps);
    if (result.ok) {
      deps.metrics.countStatus(result.status);
      if (deps.logger.isLevelEnabled("debug")) {
        deps.logger.debug(
          { requestId: routed.out.requestId, status: result.status, backend: routed.pick.backend.id },
          "proxied",
        );
      }
    } else if (result.reason !== "client-closed") {
      deps.logger.warn(
        { requestId: routed.out.requestId, reason: result.reason, url: req.url, host: routed.out.host },
        "request failed",
      );
      answerError(res, result.reason, routed.out.requestId, deps);
    }
  } catch (err) {
    deps.logger.error({ err, url: req.url }, "request handler failed");
    res.destroy();
  } finally {
    deps.connections.requestFinished(socket);
  }
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
