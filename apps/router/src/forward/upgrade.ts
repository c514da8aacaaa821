// Upgrade pass-through (WebSocket only): the request head goes to a backend through node:http's
// client; nothing the client sent after its head is read until the backend answered 101, then the
// two sockets are piped both ways with back-pressure. Any other answer is relayed as an ordinary
// response and the connection closed, so bytes behind a refused upgrade never reach a backend.
// At drain the client gets close 1001 between frames.

import { request as httpRequest, type IncomingMessage, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { Logger } from "pino";
import { type RecordDeps, recordForwarded, recordRefused } from "../access-log/record.js";
import { unroutedRequest } from "../access-log/request-line.js";
import type { BackendStats } from "../backend-stats.js";
import type { Connections, Tunnel } from "../connections.js";
import type { RouterMetrics } from "../metrics.js";
import type { Pick } from "../pick.js";
import { type ErrorReason, respondErrorOnSocket, statusOf } from "../respond-error.js";
import { type RouteDeps, routeRequest } from "../route-request.js";
import { type AttemptListener, type ForwardResult, type OutgoingRequest, startAttempt } from "./forward.js";
import { responseHeaders } from "./headers.js";
import { type Attempt, type ForwardDone, forwardWithRetries, type RetryDeps } from "./retry.js";
import { isWebSocketUpgrade } from "./upgrade-request.js";
import { CLOSE_GOING_AWAY, FrameBoundaries } from "./websocket-frames.js";

export interface UpgradeDeps extends RouteDeps, RetryDeps, RecordDeps {
  stats: BackendStats;
  connections: Connections;
  metrics: RouterMetrics;
  logger: Logger;
  connectTimeoutMs: number;
  /** Time for the backend's response head. */
  upstreamTimeoutMs: number;
  /** A tunnel silent both ways this long is closed. */
  tunnelIdleTimeoutMs: number;
  /** Upgrades dialled or tunnelled at once; past it 503 too-many-tunnels. */
  maxTunnels: number;
  /** How long a refused client may take to close after its answer before it is cut. */
  clientTimeoutMs: number;
}

const RESET_CODES = new Set(["ECONNRESET", "EPIPE"]);

/** Routes an upgrade like a request, then tunnels it; dial failures retry as requests do. */
export function handleUpgrade(req: IncomingMessage, client: Socket, head: Buffer, deps: UpgradeDeps): void {
  // A socket already gone would never emit the 'close' that gives its tunnel slot back.
  if (client.destroyed) return;
  const startedAt = performance.now();
  const bytesOutBefore = client.bytesWritten;
  // Bytes after the head wait in the socket (and TCP's window) until the backend said 101.
  client.pause();
  if (!isWebSocketUpgrade(req.method, req.rawHeaders)) {
    refuse(client, "upgrade-refused", deps);
    recordRefused(
      deps,
      unroutedRequest(req, deps.proto, ""),
      statusOf("upgrade-refused"),
      "upgrade-refused",
      startedAt,
      bytesOutBefore,
    );
    return;
  }
  if (deps.connections.tunnels >= deps.maxTunnels) {
    refuse(client, "too-many-tunnels", deps);
    recordRefused(
      deps,
      unroutedRequest(req, deps.proto, ""),
      statusOf("too-many-tunnels"),
      "too-many-tunnels",
      startedAt,
      bytesOutBefore,
    );
    return;
  }
  const routed = routeRequest(req, undefined, deps.connections.get(client), deps, startedAt);
  if (routed.kind === "refused") {
    refuse(client, routed.reason, deps);
    recordRefused(deps, routed.refused, statusOf(routed.reason), routed.reason, startedAt, bytesOutBefore);
    return;
  }
  if (routed.kind === "filtered") {
    const { outcome } = routed;
    if (outcome.kind === "error") refuse(client, outcome.reason, deps);
    else {
      client.write(
        `HTTP/1.1 ${outcome.status} ${STATUS_CODES[outcome.status]}\r\n${joinHeaders(outcome.headers)}connection: close\r\n\r\n`,
      );
      closeAfterAnswer(client, deps);
    }
    const status = outcome.kind === "error" ? statusOf(outcome.reason) : outcome.status;
    const reason = outcome.kind === "error" ? outcome.reason : undefined;
    recordRefused(deps, routed.refused, status, reason, startedAt, bytesOutBefore);
    return;
  }
  const { connections } = deps;
  connections.tunnels += 1;
  client.once("close", () => {
    connections.tunnels -= 1;
  });
  const attempt: Attempt = (out, pick, listener) => dialUpgrade(out, pick, client, head, deps, listener);
  const context: UpgradeContext = { client, deps, out: routed.out };
  forwardWithRetries(routed.out, routed.pick, routed.picker, deps, attempt, upgradeDone, context);
}

interface UpgradeContext {
  client: Socket;
  deps: UpgradeDeps;
  out: OutgoingRequest;
}

/** The upgrade's line is written when the backend answered (101: the tunnel opens now) or it failed. */
const upgradeDone: ForwardDone<UpgradeContext> = ({ client, deps, out }, result, pick) => {
  if (result.ok) {
    recordForwarded(deps, out, pick, result.status, undefined);
    return;
  }
  if (result.reason === "client-closed") {
    recordForwarded(deps, out, pick, 499, "client-closed");
    return;
  }
  deps.logger.warn(
    { requestId: out.requestId, reason: result.reason, backend: pick.backend.id },
    "upgrade failed",
  );
  refuse(client, result.reason, deps);
  recordForwarded(deps, out, pick, statusOf(result.reason), result.reason);
};

function refuse(client: Socket, reason: ErrorReason, deps: UpgradeDeps): void {
  deps.metrics.countError(reason, statusOf(reason));
  respondErrorOnSocket(client, reason);
  closeAfterAnswer(client, deps);
}

/**
 * After a refusal or a relayed answer on a socket that will carry nothing more: what the client
 * still sends is read and dropped (closing on unread bytes would reset the answer away), and the
 * socket is cut if the client does not close within the client timeout.
 */
function closeAfterAnswer(client: Socket, deps: UpgradeDeps): void {
  client.end();
  client.resume();
  client.setTimeout(deps.clientTimeoutMs, () => client.destroy());
}

function joinHeaders(headers: readonly string[]): string {
  let text = "";
  for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return text;
}

/**
 * One dial: connect (ROUTER_CONNECT_TIMEOUT_MS), send the head, wait for the answer
 * (ROUTER_UPSTREAM_TIMEOUT_MS). A 101 becomes a tunnel; any other answer is relayed and the
 * connection closed. `listener` hears once: failures are retried by forwardWithRetries.
 */
function dialUpgrade(
  out: OutgoingRequest,
  pick: Pick,
  client: Socket,
  clientHead: Buffer,
  deps: UpgradeDeps,
  listener: AttemptListener,
): void {
  const { clock } = deps;
  startAttempt(out, pick, deps.stats);
  const { host, port } = splitAddress(pick.backend.address);
  const state = deps.stats.get(pick.backend.id);
  let connected = false;
  let settled = false;
  const request = httpRequest({
    host,
    port,
    method: out.method,
    path: out.path,
    headers: out.headers,
    setHost: false,
    agent: false,
  });
  const end = (result: ForwardResult): void => {
    if (settled) return;
    settled = true;
    clock.clearTimeout(timer);
    client.off("close", onClientClose);
    if (!result.ok && result.reason === "unreachable") deps.stats.recordConnectFailure(pick.backend.id);
    listener.attemptEnded(result, pick);
  };
  const fail = (result: ForwardResult): void => {
    request.destroy();
    end(result);
  };
  let timer = clock.setTimeout(
    () => fail({ ok: false, reason: "unreachable", dial: true, reset: false }),
    deps.connectTimeoutMs,
  );
  const onClientClose = (): void => fail({ ok: false, reason: "client-closed", dial: false, reset: false });
  client.once("close", onClientClose);
  request.on("error", (err: Error & { code?: string }) => {
    if (!connected) fail({ ok: false, reason: "unreachable", dial: true, reset: false });
    else fail({ ok: false, reason: "upstream-error", dial: false, reset: RESET_CODES.has(err.code ?? "") });
  });
  request.once("socket", (socket: Socket) => {
    socket.once("connect", () => {
      connected = true;
      clock.clearTimeout(timer);
      timer = clock.setTimeout(
        () => fail({ ok: false, reason: "timeout", dial: false, reset: false }),
        deps.upstreamTimeoutMs,
      );
    });
  });
  request.once("upgrade", (res: IncomingMessage, backend: Socket, backendHead: Buffer) => {
    // node:http's client let go of the socket: it has no error listener but this one from here on.
    backend.on("error", () => backend.destroy());
    if (settled) {
      backend.destroy();
      return;
    }
    deps.stats.recordConnected(state);
    end({ ok: true, status: 101 });
    tunnel(client, clientHead, backend, backendHead, res, pick, deps);
  });
  request.once("response", (res: IncomingMessage) => {
    res.on("error", () => client.destroy());
    if (settled) {
      res.destroy();
      return;
    }
    deps.stats.recordConnected(state);
    end({ ok: true, status: res.statusCode ?? 502 });
    deps.metrics.countStatus(res.statusCode ?? 502);
    relay(client, res, deps);
  });
  request.end();
}

/** A non-101 answer to an upgrade: sent as an ordinary response that ends the connection. */
function relay(client: Socket, res: IncomingMessage, deps: UpgradeDeps): void {
  const status = res.statusCode ?? 502;
  const raw = res.rawHeaders.map((text) => Buffer.from(text, "latin1"));
  client.write(
    `HTTP/1.1 ${status} ${res.statusMessage ?? ""}\r\n${joinHeaders(responseHeaders(raw))}connection: close\r\n\r\n`,
  );
  // The body is delimited by the close (its Transfer-Encoding was hop-by-hop and is decoded).
  res.pipe(client, { end: false });
  res.once("end", () => closeAfterAnswer(client, deps));
  client.once("close", () => res.destroy());
}

/** Pipes client and backend both ways (back-pressure, idle timeout); frames tracked for close 1001. */
function tunnel(
  client: Socket,
  clientHead: Buffer,
  backend: Socket,
  backendHead: Buffer,
  res: IncomingMessage,
  pick: Pick,
  deps: UpgradeDeps,
): void {
  const state = deps.stats.get(pick.backend.id);
  state.inFlight += 1;
  state.requests += 1;
  state.totalRequests += 1;
  deps.metrics.countStatus(101);
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    state.inFlight -= 1;
    client.destroy();
    backend.destroy();
  };
  backend.on("close", finish);
  client.on("close", finish);
  backend.on("error", finish);
  client.on("error", finish);
  if (client.destroyed) {
    finish();
    return;
  }
  const frames = new FrameBoundaries();
  let closing = false;
  let stopped = false;
  const sendClose = (): void => {
    stopped = true;
    client.write(CLOSE_GOING_AWAY);
  };
  /** Writes the backend's bytes from `start`; false when the client's buffer is full. */
  const toClient = (chunk: Buffer, start: number): boolean => {
    if (stopped) return true;
    if (!closing) {
      frames.feed(chunk, start);
      return client.write(start === 0 ? chunk : chunk.subarray(start));
    }
    const stop = frames.atBoundary ? start : frames.feed(chunk, start, true);
    const ok = stop > start ? client.write(chunk.subarray(start, stop)) : true;
    if (frames.atBoundary) sendClose();
    return ok;
  };
  const tunnelHandle: Tunnel = {
    closeGracefully() {
      closing = true;
      if (frames.atBoundary) sendClose();
    },
    destroy: finish,
  };
  deps.connections.setTunnel(client, tunnelHandle);
  client.write(
    `HTTP/1.1 101 ${res.statusMessage ?? "Switching Protocols"}\r\n${joinHeaders(res.rawHeaders)}\r\n`,
  );
  if (backendHead.length > 0) toClient(backendHead, 0);
  if (clientHead.length > 0) backend.write(clientHead);
  backend.on("data", (chunk: Buffer) => {
    if (!toClient(chunk, 0)) backend.pause();
  });
  client.on("drain", () => backend.resume());
  backend.on("end", () => client.end());
  client.pipe(backend);
  client.setTimeout(deps.tunnelIdleTimeoutMs, finish);
}

/** `host:port` or `[v6]:port` -> parts for net.connect. */
export function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(":");
  const host = address.slice(0, colon);
  return { host: host.startsWith("[") ? host.slice(1, -1) : host, port: Number(address.slice(colon + 1)) };
}
