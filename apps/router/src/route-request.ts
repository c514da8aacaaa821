// The routing half of the request path, shared by plain requests and upgrades: one table
// snapshot -> endpoint (most specific) -> filters -> route and backend among available ones.

import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type CidrSet,
  clientFromForwardedFor,
  type NormalizedRequest,
  normalizeRequest,
  RequestError,
} from "@signalbox/route-model";
import type { RefusedRequest } from "./access-log/request-line.js";
import type { BackendStats } from "./backend-stats.js";
import type { ClientConnection } from "./connections.js";
import type { FilterOutcome } from "./filters/filter.js";
import type { OutgoingRequest } from "./forward/forward.js";
import { addForwarding, findHeader, readRequestHead, setHeader } from "./forward/headers.js";
import { peerAddressOf } from "./peer-address.js";
import { type Pick, RequestPick } from "./pick.js";
import type { ErrorReason } from "./respond-error.js";
import type { TableStore } from "./table/table-store.js";
import type { RequestSpan, RequestTracer } from "./tracing/request-span.js";
import { trustedTraceId } from "./tracing/traceparent.js";

export interface RouteDeps {
  tables: TableStore;
  stats: BackendStats;
  /** The scheme clients used to reach this listener. */
  proto: "http" | "https";
  /** Peers whose forwarding headers are believed (ROUTER_TRUSTED_PROXIES). */
  trustedProxies: CidrSet;
  /** Starts each request's span when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT); else undefined. */
  tracer: RequestTracer | undefined;
}

export type Routed =
  | { kind: "routed"; out: OutgoingRequest; pick: Pick; picker: RequestPick; tableVersion: number }
  | { kind: "refused"; reason: ErrorReason; requestId: string; refused: RefusedRequest }
  | { kind: "filtered"; outcome: FilterOutcome; requestId: string; refused: RefusedRequest };

/**
 * Routes `req` by the table current at this moment: 400 for a Host or target the normaliser
 * refuses, 503 not-ready before the first table, 404 without a matching endpoint, a filter's own
 * answer, 503 without an available backend. The path is matched and forwarded normalised.
 * `res` is undefined for an upgrade (the socket is answered raw); `connection` is the client's;
 * `startedAt` is performance.now() when the request arrived.
 */
export function routeRequest(
  req: IncomingMessage,
  res: ServerResponse | undefined,
  connection: ClientConnection | undefined,
  deps: RouteDeps,
  startedAt: number,
): Routed {
  const upgrade = res === undefined;
  const table = deps.tables.current();
  const head = readRequestHead(req.rawHeaders, upgrade);
  let target: NormalizedRequest;
  try {
    target = normalizeRequest(req.url ?? "/", head.hosts);
  } catch (err) {
    if (!(err instanceof RequestError)) throw err;
    const reason = err.kind === "bad-host" ? "bad-host" : "bad-target";
    return refuse(
      reason,
      refusedRequest(req, deps.proto, head.requestId, undefined, undefined, undefined, table),
    );
  }
  const peer = peerAddressOf(req.socket);
  const trustedPeer = deps.trustedProxies.contains(peer);
  const clientIp = trustedPeer
    ? clientFromForwardedFor(head.forwarding.xff, peer, deps.trustedProxies)
    : peer;
  const host = target.host.authority;
  addForwarding(head, { host, peer, trustedPeer, clientIp, proto: deps.proto });
  // A trusted peer's trace is continued; anyone else's traceparent is replaced (tracing on) or
  // passed on untouched and not logged as the request's trace (tracing off: no cost).
  let span: RequestSpan | undefined;
  let traceId: string | undefined;
  if (deps.tracer !== undefined) {
    const parent = trustedPeer ? findHeader(req.rawHeaders, "traceparent") : undefined;
    const state = parent === undefined ? undefined : findHeader(req.rawHeaders, "tracestate");
    span = deps.tracer.start(req.method ?? "GET", host, target.path, parent, state);
    traceId = span.traceId;
    setHeader(head.headers, "traceparent", span.traceparent);
    setHeader(head.headers, "tracestate", span.tracestate);
  } else if (trustedPeer) traceId = trustedTraceId(req.rawHeaders);
  if (table === undefined) {
    return refuse(
      "not-ready",
      refusedRequest(req, deps.proto, head.requestId, clientIp, host, undefined, table, traceId, span),
    );
  }
  const endpoint = table.match(target.host.name, target.path);
  if (endpoint === undefined) {
    return refuse(
      "no-endpoint",
      refusedRequest(req, deps.proto, head.requestId, clientIp, host, undefined, table, traceId, span),
    );
  }
  const out: OutgoingRequest = {
    req,
    res: res as ServerResponse,
    connection,
    method: req.method ?? "GET",
    path: target.path,
    headers: head.headers,
    hasBody: head.hasBody,
    host,
    hostname: target.host.name,
    clientIp,
    proto: deps.proto,
    requestId: head.requestId,
    endpoint,
    stickyRoute: undefined,
    startedAt,
    bytesOutBefore: connection?.socket.bytesWritten ?? 0,
    attemptStartedAt: 0,
    attempts: 0,
    retried: undefined,
    verdict: undefined,
    tableVersion: table.version,
    traceId,
    span,
  };
  const pattern = endpoint.compiled.endpoint.pattern;
  if (!endpoint.filters.empty) {
    const outcome = endpoint.filters.onRequest(out);
    if (outcome !== undefined) {
      const refused = refusedRequest(
        req,
        deps.proto,
        head.requestId,
        clientIp,
        host,
        pattern,
        table,
        traceId,
        span,
      );
      return { kind: "filtered", outcome, requestId: head.requestId, refused };
    }
  }
  const picker = new RequestPick(deps.stats, endpoint, req.rawHeaders);
  const pick = picker.pick();
  if (pick === undefined) {
    return refuse(
      "no-healthy-backend",
      refusedRequest(req, deps.proto, head.requestId, clientIp, host, pattern, table, traceId, span),
    );
  }
  if (endpoint.stickyCookie !== undefined) out.stickyRoute = picker.cookie(endpoint.stickyCookie);
  return { kind: "routed", out, pick, picker, tableVersion: table.version };
}

function refuse(reason: ErrorReason, refused: RefusedRequest): Routed {
  return { kind: "refused", reason, requestId: refused.requestId, refused };
}

function refusedRequest(
  req: IncomingMessage,
  scheme: string,
  requestId: string,
  clientIp: string | undefined,
  host: string | undefined,
  endpoint: string | undefined,
  table: { version: number } | undefined,
  traceId?: string,
  span?: RequestSpan,
): RefusedRequest {
  return { req, scheme, requestId, clientIp, host, endpoint, tableVersion: table?.version, traceId, span };
}
