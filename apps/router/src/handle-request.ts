// The request path as one straight line: table snapshot -> match -> filters -> pick -> forward
// (retrying dial failures on another backend) -> respond. Router-made answers go through respond-error.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { AccessLog } from "./access-log/access-log.js";
import { recordForwarded, recordRefused } from "./access-log/record.js";
import { unroutedRequest } from "./access-log/request-line.js";
import type { Connections } from "./connections.js";
import type { FilterOutcome } from "./filters/filter.js";
import {
  type ForwardDeps,
  type ForwardResult,
  forwardOnce,
  type OutgoingRequest,
} from "./forward/forward.js";
import { findHeader } from "./forward/headers.js";
import { type Attempt, type ForwardDone, forwardWithRetries, type RetryDeps } from "./forward/retry.js";
import { logPath } from "./log-path.js";
import type { RouterMetrics } from "./metrics.js";
import type { Pick } from "./pick.js";
import { type ErrorReason, respondError, statusOf } from "./respond-error.js";
import { type RouteDeps, routeRequest } from "./route-request.js";

export interface RequestDeps extends RouteDeps, RetryDeps, ForwardDeps {
  connections: Connections;
  metrics: RouterMetrics;
  logger: Logger;
  /** ROUTER_ACCESS_LOG; undefined when off. */
  accessLog: AccessLog | undefined;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The listener's handlers, for requests and for requests that sent `Expect: 100-continue` (node:http
 * leaves the `100 Continue` to us then: it is sent only once routing and filters accepted the
 * request). Neither throws: every failure becomes an answer or a cut connection.
 */
export function createRequestHandlers(deps: RequestDeps): {
  onRequest: RequestHandler;
  onCheckContinue: RequestHandler;
} {
  const attempt: Attempt = (out, pick, listener) => forwardOnce(out, pick, deps, listener);
  const done: ForwardDone<OutgoingRequest> = (out, result, pick) => answerForwarded(out, result, pick, deps);
  return {
    onRequest: (req, res) => handleRequest(req, res, deps, attempt, done, false),
    onCheckContinue: (req, res) => handleRequest(req, res, deps, attempt, done, true),
  };
}

function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  deps: RequestDeps,
  attempt: Attempt,
  done: ForwardDone<OutgoingRequest>,
  expectsContinue: boolean,
): void {
  const connection = deps.connections.requestStarted(req.socket);
  const startedAt = performance.now();
  try {
    if (deps.maxBodyBytes > 0 && declaredBodyTooLarge(req.rawHeaders, deps.maxBodyBytes)) {
      // The body stays unread: the connection cannot carry another request.
      res.shouldKeepAlive = false;
      const bytesOutBefore = req.socket.bytesWritten;
      const requestId = findHeader(req.rawHeaders, "x-request-id") ?? "";
      answerError(res, "body-too-large", "", deps);
      recordRefused(
        deps,
        unroutedRequest(req, deps.proto, requestId),
        statusOf("body-too-large"),
        "body-too-large",
        startedAt,
        bytesOutBefore,
      );
    } else {
      const bytesOutBefore = req.socket.bytesWritten;
      const routed = routeRequest(req, res, connection, deps, startedAt);
      if (routed.kind === "routed") {
        if (expectsContinue) res.writeContinue();
        // The client owes its body now; the timer stops once the backend has all of it.
        if (routed.out.hasBody) req.socket.setTimeout(deps.clientTimeoutMs);
        forwardWithRetries(routed.out, routed.pick, routed.picker, deps, attempt, done, routed.out);
        return;
      }
      // Refused without reading a body the client may or may not send now: close after the answer.
      if (expectsContinue) res.shouldKeepAlive = false;
      if (routed.kind === "refused") {
        answerError(res, routed.reason, routed.requestId, deps);
        recordRefused(
          deps,
          routed.refused,
          statusOf(routed.reason),
          routed.reason,
          startedAt,
          bytesOutBefore,
        );
      } else {
        const { outcome } = routed;
        answerFilter(res, outcome, routed.requestId, deps);
        const status = outcome.kind === "error" ? statusOf(outcome.reason) : outcome.status;
        const reason = outcome.kind === "error" ? outcome.reason : undefined;
        recordRefused(deps, routed.refused, status, reason, startedAt, bytesOutBefore);
      }
    }
  } catch (err) {
    deps.logger.error({ err, path: logPath(req.url) }, "request handler failed");
    res.destroy();
  }
  deps.connections.requestFinished(connection);
}

/** A Content-Length above `max` (node:http has already refused a malformed one with 400). */
function declaredBodyTooLarge(rawHeaders: readonly string[], max: number): boolean {
  const length = findHeader(rawHeaders, "content-length");
  return length !== undefined && Number(length) > max;
}

/** The end of a forwarded request: count it, log it, answer a failure. */
function answerForwarded(out: OutgoingRequest, result: ForwardResult, pick: Pick, deps: RequestDeps): void {
  if (result.ok) {
    deps.metrics.countStatus(result.status);
    recordForwarded(deps, out, pick, result.status, undefined);
  } else if (result.reason === "client-closed") {
    // 499 as nginx logs it: the client went away before its answer.
    recordForwarded(deps, out, pick, 499, "client-closed");
  } else {
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
    // The rest of an oversized body is never read: this connection is done after the answer.
    if (result.reason === "body-too-large") out.res.shouldKeepAlive = false;
    // The head went out already when the backend failed mid-body: the client sees a cut, status 0.
    const status = out.res.headersSent ? 0 : statusOf(result.reason);
    answerError(out.res, result.reason, out.requestId, deps);
    recordForwarded(deps, out, pick, status, result.reason);
  }
  deps.connections.requestFinished(out.connection);
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
  respondError(res, reason, headers, requestId === "" ? undefined : requestId);
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
