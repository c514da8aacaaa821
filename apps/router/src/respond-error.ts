// The one place where a reason the router answers by itself becomes a status, a short body and
// `x-signalbox-error` (contract: ARCHITECTURE.md "Status codes the router answers itself"); never a stack.

import { type ServerResponse, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";

export type ErrorReason =
  | "not-ready"
  | "no-endpoint"
  | "no-healthy-backend"
  | "unreachable"
  | "upstream-error"
  | "timeout"
  | "rate-limited"
  | "bad-request"
  | "bad-host"
  | "bad-target"
  | "header-too-large"
  | "request-timeout"
  | "backend-busy"
  | "body-too-large"
  | "upgrade-refused"
  | "too-many-tunnels";

const ANSWERS: Record<ErrorReason, { status: number; text: string }> = {
  "not-ready": { status: 503, text: "the router has not loaded a route table yet" },
  "no-endpoint": { status: 404, text: "no endpoint matches this host and path" },
  "no-healthy-backend": { status: 503, text: "no healthy backend for this endpoint" },
  unreachable: { status: 502, text: "the backend could not be reached" },
  "upstream-error": { status: 502, text: "the backend closed the connection before answering" },
  timeout: { status: 504, text: "the backend did not answer in time" },
  "rate-limited": { status: 429, text: "too many requests from this client" },
  "bad-request": { status: 400, text: "malformed request" },
  "bad-host": { status: 400, text: "the Host header is missing, repeated or not a host name" },
  "bad-target": { status: 400, text: "the request target is not a path this router accepts" },
  "header-too-large": { status: 431, text: "request headers too large" },
  "request-timeout": { status: 408, text: "request headers not received in time" },
  "backend-busy": { status: 503, text: "every connection to the backend is busy and its queue is full" },
  "body-too-large": { status: 413, text: "request body larger than the router accepts" },
  "upgrade-refused": { status: 400, text: "only a WebSocket upgrade (GET, Upgrade: websocket) is passed on" },
  "too-many-tunnels": { status: 503, text: "the router holds as many WebSocket tunnels as it may" },
};

/** The status the router answers for `reason`. */
export function statusOf(reason: ErrorReason): number {
  return ANSWERS[reason].status;
}

/** Answers `reason` on a response whose head was not sent yet; when it was, the connection is cut instead. */
export function respondError(
  res: ServerResponse,
  reason: ErrorReason,
  extraHeaders: readonly string[] = [],
  requestId?: string,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { status, text } = ANSWERS[reason];
  const body = `${status} ${text} (${reason})\n`;
  const headers = [
    "content-type",
    "text/plain; charset=utf-8",
    "content-length",
    String(Buffer.byteLength(body)),
    "x-signalbox-error",
    reason,
    ...extraHeaders,
  ];
  if (requestId !== undefined) headers.push("x-request-id", requestId);
  res.writeHead(status, headers);
  res.end(body);
}

/** The same answer written raw on a socket the HTTP server gave up on (client errors, failed upgrades). */
export function respondErrorOnSocket(socket: Duplex, reason: ErrorReason): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const { status, text } = ANSWERS[reason];
  const body = `${status} ${text} (${reason})\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nx-signalbox-error: ${reason}\r\n\r\n${body}`,
  );
}
