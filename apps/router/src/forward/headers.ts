// Header rewriting between client and backend (contract: ARCHITECTURE.md "Semantics pinned down: Headers"):
// hop-by-hop headers dropped both ways; X-Forwarded-*, Forwarded (RFC 7239), X-Real-IP believed from
// trusted proxies only; Host the validated one; x-request-id kept or set.

import { randomUUID } from "node:crypto";

/** Hop-by-hop names (RFC 9110 7.6.1 plus the legacy ones); `te: trailers` and proxied Upgrade survive. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Headers that say where a request came from: a trusted peer's are extended, anyone else's replaced. */
const FORWARDING = new Set([
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "forwarded",
  "x-real-ip",
]);

/** What the router learns from a client's request head in one pass over `rawHeaders`. */
export interface RequestHead {
  /** Every Host header value in order (a valid request has one). */
  hosts: string[];
  /** The client's x-request-id, or a generated UUID. */
  requestId: string;
  /** Content-Length > 0 or Transfer-Encoding present. */
  hasBody: boolean;
  /**
   * Flat [name, value, ...] list for the backend: end-to-end headers only; Host, x-request-id and
   * the forwarding headers are added by addForwarding.
   */
  headers: string[];
  /** The client's forwarding headers (several of one name joined by ", "), believed from trusted peers. */
  forwarding: {
    xff?: string;
    xfHost?: string;
    xfProto?: string;
    forwarded?: string;
    realIp?: string;
  };
}

/**
 * Reads the client's `rawHeaders`: hop-by-hop headers (and every name the client's Connection
 * lists) dropped, Host and the forwarding headers set aside, x-request-id kept or generated.
 * With `upgrade` (a WebSocket being proxied) Upgrade is kept and `Connection: upgrade` sent.
 */
export function readRequestHead(rawHeaders: readonly string[], upgrade: boolean): RequestHead {
  const headers: string[] = [];
  const hosts: string[] = [];
  const forwarding: RequestHead["forwarding"] = {};
  let requestId = "";
  let hasBody = false;
  let connectionTokens: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    const lower = name.toLowerCase();
    if (lower === "host") {
      hosts.push(value);
      continue;
    }
    if (lower === "expect") {
      // node:http answered `100 Continue` to the client already: this hop consumed the expectation.
      continue;
    }
    if (lower === "x-request-id") {
      if (requestId === "") requestId = value;
      continue;
    }
    if (lower === "content-length") hasBody ||= value !== "0";
    else if (lower === "transfer-encoding") hasBody = true;
    if (HOP_BY_HOP.has(lower)) {
      if (lower === "connection")
        connectionTokens = connectionTokens ? `${connectionTokens},${value}` : value;
      else if (lower === "te" && /(^|,)\s*trailers\s*(;|,|$)/i.test(value)) headers.push(name, "trailers");
      else if (lower === "upgrade" && upgrade) headers.push(name, value);
      continue;
    }
    if (FORWARDING.has(lower)) {
      keepForwarding(forwarding, lower, value);
      continue;
    }
    headers.push(name, value);
  }
  // Host, x-request-id and the forwarding headers are added after this: a Connection header
  // naming them (`Connection: host`) cannot take away what the router must send.
  if (connectionTokens !== undefined) dropNamed(headers, connectionTokens);
  if (upgrade) headers.push("connection", "upgrade");
  if (requestId === "") requestId = randomUUID();
  return { hosts, requestId, hasBody, headers, forwarding };
}

function keepForwarding(forwarding: RequestHead["forwarding"], lower: string, value: string): void {
  const join = (kept: string | undefined) => (kept === undefined ? value : `${kept}, ${value}`);
  if (lower === "x-forwarded-for") forwarding.xff = join(forwarding.xff);
  else if (lower === "forwarded") forwarding.forwarded = join(forwarding.forwarded);
  else if (lower === "x-forwarded-host") forwarding.xfHost ??= value;
  else if (lower === "x-forwarded-proto") forwarding.xfProto ??= value;
  else forwarding.realIp ??= value;
}

/** What this hop knows about a request once its head was read and its host validated. */
export interface Hop {
  /** The Host to send: the validated authority the request was routed by. */
  host: string;
  /** The address the router saw (the socket's peer, or a trusted PROXY header's source). */
  peer: string;
  /** True when `peer` is a trusted proxy: its forwarding headers are kept and extended. */
  trustedPeer: boolean;
  /** The client the router acts on (see clientFromForwardedFor); `peer` unless trusted. */
  clientIp: string;
  proto: "http" | "https";
}

/**
 * Adds Host, x-request-id and the forwarding headers to `head.headers`. From an untrusted peer
 * X-Forwarded-For/-Host/-Proto, Forwarded and X-Real-IP say only what this hop saw; from a trusted
 * one X-Forwarded-For and Forwarded get this hop appended and the others are kept when present.
 */
export function addForwarding(head: RequestHead, hop: Hop): void {
  const kept = hop.trustedPeer ? head.forwarding : {};
  const element = forwardedElement(hop.peer, hop.host, hop.proto);
  head.headers.push(
    "host",
    hop.host,
    "x-request-id",
    head.requestId,
    "x-forwarded-for",
    kept.xff === undefined ? hop.peer : `${kept.xff}, ${hop.peer}`,
    "x-forwarded-host",
    kept.xfHost ?? hop.host,
    "x-forwarded-proto",
    kept.xfProto ?? hop.proto,
    "forwarded",
    kept.forwarded === undefined ? element : `${kept.forwarded}, ${element}`,
    "x-real-ip",
    kept.realIp ?? hop.clientIp,
  );
}

/**
 * Removes from a flat list every header a Connection header names; hop-by-hop names among them
 * (Upgrade included, which a proxied upgrade keeps) are handled by the callers.
 * The usual `keep-alive` / `close` tokens name hop-by-hop headers already dropped: no work then.
 */
function dropNamed(headers: string[], connectionTokens: string): void {
  const named = new Set<string>();
  for (const token of connectionTokens.split(",")) {
    const name = token.trim().toLowerCase();
    if (!HOP_BY_HOP.has(name) && name !== "close") named.add(name);
  }
  if (named.size === 0) return;
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    if (named.has((headers[i] as string).toLowerCase())) headers.splice(i, 2);
  }
}

/** One RFC 7239 element: `for=...;host=...;proto=...`, IPv6 and non-token values quoted. */
export function forwardedElement(clientIp: string, host: string, proto: string): string {
  const forNode = clientIp.includes(":") ? `"[${clientIp}]"` : clientIp;
  const hostValue = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(host) ? host : `"${host.replace(/["\\]/g, "\\$&")}"`;
  return `for=${forNode};host=${hostValue};proto=${proto}`;
}

/**
 * Turns a backend's raw response headers (undici's Buffer list) into a flat string list for
 * `res.writeHead`, dropping hop-by-hop headers and every name the backend's Connection lists.
 */
export function responseHeaders(raw: readonly Buffer[]): string[] {
  const out: string[] = [];
  let connectionTokens: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString("latin1");
    const value = (raw[i + 1] as Buffer).toString("latin1");
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) {
      if (lower === "connection") connectionTokens = value;
      continue;
    }
    out.push(name, value);
  }
  if (connectionTokens !== undefined && connectionTokens !== "keep-alive") dropNamed(out, connectionTokens);
  return out;
}

/** The first value of `name` (lowercase) in a flat raw header list. */
export function findHeader(rawHeaders: readonly string[], name: string): string | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === name) return rawHeaders[i + 1];
  }
  return undefined;
}

/** Removes every `name` (lowercase) from a flat header list, then appends `name: value` when given. */
export function setHeader(headers: string[], name: string, value: string | undefined): void {
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    if ((headers[i] as string).toLowerCase() === name) headers.splice(i, 2);
  }
  if (value !== undefined) headers.push(name, value);
}
