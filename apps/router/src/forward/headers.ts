// Header rewriting between client and backend (contract: ARCHITECTURE.md "Semantics pinned down: Headers"):
// hop-by-hop headers dropped both ways, X-Forwarded-*, Forwarded (RFC 7239) and x-request-id set.

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

/** Headers the router writes itself; a client's copy is replaced (or, for the two lists, extended). */
const REWRITTEN = new Set(["x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "forwarded"]);

/** What the router learns from a client's request head in one pass over `rawHeaders`. */
export interface RequestHead {
  /** The Host header as sent (port included); "" when absent. */
  host: string;
  /** The client's x-request-id, or a generated UUID. */
  requestId: string;
  /** Content-Length > 0 or Transfer-Encoding present. */
  hasBody: boolean;
  /** Flat [name, value, ...] list for the backend. */
  headers: string[];
}

export interface ClientFacts {
  /** Peer address of the client connection (IPv4-mapped IPv6 is shown as IPv4). */
  clientIp: string;
  proto: "http" | "https";
  /** Keep Upgrade and send `Connection: upgrade` (a WebSocket being proxied). */
  upgrade: boolean;
}

/**
 * Builds the backend's header list from the client's `rawHeaders`: Host unchanged, hop-by-hop
 * headers (and every name the client's Connection lists) dropped, X-Forwarded-For and Forwarded
 * extended with this hop, X-Forwarded-Host/-Proto replaced, x-request-id kept or generated.
 */
export function readRequestHead(rawHeaders: readonly string[], client: ClientFacts): RequestHead {
  const headers: string[] = [];
  let host = "";
  let requestId = "";
  let hasBody = false;
  let xff: string | undefined;
  let forwarded: string | undefined;
  let connectionTokens: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    const lower = name.toLowerCase();
    if (lower === "host") {
      // A second Host is dropped: the backend gets the one the request was routed by.
      if (host !== "") continue;
      host = value;
    } else if (lower === "expect") {
      // node:http answered `100 Continue` to the client already: this hop consumed the expectation.
      continue;
    } else if (lower === "x-request-id") requestId = value;
    else if (lower === "content-length") hasBody ||= value !== "0";
    else if (lower === "transfer-encoding") hasBody = true;
    if (HOP_BY_HOP.has(lower)) {
      if (lower === "connection")
        connectionTokens = connectionTokens ? `${connectionTokens},${value}` : value;
      else if (lower === "te" && /(^|,)\s*trailers\s*(;|,|$)/i.test(value)) headers.push(name, "trailers");
      else if (lower === "upgrade" && client.upgrade) headers.push(name, value);
      continue;
    }
    if (REWRITTEN.has(lower)) {
      if (lower === "x-forwarded-for") xff = xff === undefined ? value : `${xff}, ${value}`;
      else if (lower === "forwarded") forwarded = forwarded === undefined ? value : `${forwarded}, ${value}`;
      continue;
    }
    headers.push(name, value);
  }
  if (connectionTokens !== undefined) dropNamed(headers, connectionTokens);
  if (client.upgrade) headers.push("connection", "upgrade");
  if (requestId === "") {
    requestId = randomUUID();
    headers.push("x-request-id", requestId);
  }
  const ip = client.clientIp;
  headers.push(
    "x-forwarded-for",
    xff === undefined ? ip : `${xff}, ${ip}`,
    "x-forwarded-host",
    host,
    "x-forwarded-proto",
    client.proto,
  );
  const element = forwardedElement(ip, host, client.proto);
  headers.push("forwarded", forwarded === undefined ? element : `${forwarded}, ${element}`);
  return { host, requestId, hasBody, headers };
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

/** `::ffff:10.0.0.1` -> `10.0.0.1`; other addresses as they are; "" when the socket has none. */
export function clientIpOf(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return "";
  return remoteAddress.startsWith("::ffff:") && remoteAddress.includes(".")
    ? remoteAddress.slice(7)
    : remoteAddress;
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
