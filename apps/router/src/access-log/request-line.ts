// Builds the access-log line of an answer from what the request path already holds: the request
// (OutgoingRequest once it was routed), the pick, and the two numbers taken when it arrived.
// Called only for lines that are kept (AccessLog.keeps), so the work here is off the sampled path.

import type { IncomingMessage } from "node:http";
import type { OutgoingRequest } from "../forward/forward.js";
import { findHeader } from "../forward/headers.js";
import { logPath } from "../log-path.js";
import type { Pick } from "../pick.js";
import type { RequestSpan } from "../tracing/request-span.js";
import type { AccessLine } from "./access-log.js";

/** The request as the router knew it when it answered without a backend (no route, refused, filtered). */
export interface RefusedRequest {
  req: IncomingMessage;
  scheme: string;
  requestId: string;
  /** The client the trusted-proxy rules give; undefined when refused before they ran. */
  clientIp: string | undefined;
  /** The validated authority, else undefined (the raw Host is not logged: it was refused). */
  host: string | undefined;
  endpoint: string | undefined;
  tableVersion: number | undefined;
  traceId: string | undefined;
  /** The request's span when tracing is on. */
  span: RequestSpan | undefined;
}

/** A request refused before it was routed (a declared body too large, a refused upgrade): no host, no client yet. */
export function unroutedRequest(req: IncomingMessage, scheme: string, requestId: string): RefusedRequest {
  return {
    req,
    scheme,
    requestId,
    clientIp: undefined,
    host: undefined,
    endpoint: undefined,
    tableVersion: undefined,
    traceId: undefined,
    span: undefined,
  };
}

/** The line of a forwarded request; `status` 0 when the connection was cut after the head went out. */
export function forwardedLine(
  out: OutgoingRequest,
  pick: Pick,
  status: number,
  error: string | undefined,
  now: number,
  logQuery: boolean,
): AccessLine {
  const { req, endpoint } = out;
  const route = pick.route.route;
  return {
    time: isoNow(),
    requestId: out.requestId,
    traceId: out.traceId ?? null,
    client: out.clientIp,
    method: out.method,
    host: out.host,
    path: pathOf(req.url, logQuery),
    protocol: `HTTP/${req.httpVersion}`,
    scheme: out.proto,
    status,
    bytesIn: bytesIn(req),
    bytesOut: bytesOut(out.connection?.socket.bytesWritten, out.bytesOutBefore),
    durationMs: round(now - out.startedAt),
    upstreamMs: out.attemptStartedAt === 0 ? null : round(now - out.attemptStartedAt),
    endpoint: endpoint.compiled.endpoint.pattern,
    route: route.id,
    backend: pick.backend.id,
    service: pick.backend.service,
    strategy: route.strategy,
    attempts: out.attempts,
    retries: out.retried ?? null,
    verdict: out.verdict ?? null,
    tableVersion: out.tableVersion,
    error: error ?? null,
  };
}

/** The line of an answer the router made itself. */
export function refusedLine(
  refused: RefusedRequest,
  status: number,
  error: string | undefined,
  startedAt: number,
  bytesOutBefore: number,
  now: number,
  logQuery: boolean,
): AccessLine {
  const { req } = refused;
  return {
    time: isoNow(),
    requestId: refused.requestId,
    traceId: refused.traceId ?? null,
    client: refused.clientIp ?? null,
    method: req.method ?? "GET",
    host: refused.host ?? null,
    path: pathOf(req.url, logQuery),
    protocol: `HTTP/${req.httpVersion}`,
    scheme: refused.scheme,
    status,
    bytesIn: bytesIn(req),
    bytesOut: bytesOut(req.socket?.bytesWritten, bytesOutBefore),
    durationMs: round(now - startedAt),
    upstreamMs: null,
    endpoint: refused.endpoint ?? null,
    route: null,
    backend: null,
    service: null,
    strategy: null,
    attempts: 0,
    retries: null,
    verdict: null,
    tableVersion: refused.tableVersion ?? null,
    error: error ?? null,
  };
}

function pathOf(target: string | undefined, logQuery: boolean): string | null {
  return (logQuery ? target : logPath(target)) ?? null;
}

/**
 * The declared body size (0 without a body); null for a chunked body, whose size nobody declared.
 * From rawHeaders: `req.headers` would build node:http's header object for this line alone.
 */
function bytesIn(req: IncomingMessage): number | null {
  const length = findHeader(req.rawHeaders, "content-length");
  if (length !== undefined) return Number(length);
  return findHeader(req.rawHeaders, "transfer-encoding") === undefined ? 0 : null;
}

let clockMs = 0;
let clockText = "";

/** The ISO time of now, formatted once per millisecond (lines of one millisecond share it). */
function isoNow(): string {
  const ms = Date.now();
  if (ms !== clockMs) {
    clockMs = ms;
    clockText = new Date(ms).toISOString();
  }
  return clockText;
}

/** Bytes written on the client socket for this answer, head included (0 once the socket is gone). */
function bytesOut(written: number | undefined, before: number): number {
  return written === undefined ? 0 : Math.max(0, written - before);
}

/** Milliseconds to 0.001. */
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
