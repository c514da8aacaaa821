// Upgrade pass-through (WebSocket): the request head goes to a backend on a raw socket; after the
// backend's 101 the two sockets are piped both ways. At drain the client gets close 1001 between frames.

import { type IncomingMessage, STATUS_CODES } from "node:http";
import { connect, type Socket } from "node:net";
import type { Clock } from "@signalbox/backoff";
import type { Logger } from "pino";
import type { BackendStats } from "../backend-stats.js";
import type { Connections, Tunnel } from "../connections.js";
import type { RouterMetrics } from "../metrics.js";
import type { Pick } from "../pick.js";
import { type ErrorReason, respondErrorOnSocket, statusOf } from "../respond-error.js";
import { type RouteDeps, routeRequest } from "../route-request.js";
import { CLOSE_GOING_AWAY, FrameBoundaries } from "./websocket-frames.js";

export interface UpgradeDeps extends RouteDeps {
  clock: Clock;
  stats: BackendStats;
  connections: Connections;
  metrics: RouterMetrics;
  logger: Logger;
  connectTimeoutMs: number;
  /** Time for the backend's response head. */
  upstreamTimeoutMs: number;
  retries: number;
}

/** Largest response head accepted from a backend during a handshake. */
const MAX_RESPONSE_HEAD = 64 * 1024;
const HEAD_END = Buffer.from("\r\n\r\n");

/** Routes an upgrade like a request, then tunnels it; dial failures move on to another backend. */
export function handleUpgrade(req: IncomingMessage, client: Socket, head: Buffer, deps: UpgradeDeps): void {
  const routed = routeRequest(req, undefined, undefined, deps);
  if (routed.kind === "refused") {
    refuse(client, routed.reason, deps);
    return;
  }
  if (routed.kind === "filtered") {
    const { outcome } = routed;
    if (outcome.kind === "error") refuse(client, outcome.reason, deps);
    else
      client.end(
        `HTTP/1.1 ${outcome.status} ${STATUS_CODES[outcome.status]}\r\n${joinHeaders(outcome.headers)}connection: close\r\n\r\n`,
      );
    return;
  }
  const { out, picker } = routed;
  const requestHead = `${out.method} ${out.path} HTTP/1.1\r\n${joinHeaders(out.headers)}\r\n`;
  let attempts = 0;
  const attempt = (pick: Pick): void => {
    attempts += 1;
    dial(pick, requestHead, head, client, deps, (reason) => {
      if (reason === "unreachable" && attempts <= deps.retries) {
        const next = picker.pickAgain(pick.backend.id);
        if (next !== undefined) return attempt(next);
      }
      deps.logger.warn({ requestId: out.requestId, reason, url: out.path }, "upgrade failed");
      refuse(client, reason, deps);
    });
  };
  attempt(routed.pick);
}

function refuse(client: Socket, reason: ErrorReason, deps: UpgradeDeps): void {
  deps.metrics.countError(reason, statusOf(reason));
  respondErrorOnSocket(client, reason);
}

function joinHeaders(headers: readonly string[]): string {
  let text = "";
  for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return text;
}

/** Opens the backend socket, sends the head and waits for the response head; then tunnels. */
function dial(
  pick: Pick,
  requestHead: string,
  clientHead: Buffer,
  client: Socket,
  deps: UpgradeDeps,
  fail: (reason: "unreachable" | "timeout" | "upstream-error") => void,
): void {
  const { host, port } = splitAddress(pick.backend.address);
  const backend = connect({ host, port, noDelay: true });
  const state = deps.stats.get(pick.backend.id);
  let connected = false;
  let settled = false;
  let received: Buffer[] = [];
  let receivedBytes = 0;
  let timer = deps.clock.setTimeout(() => done("connect-timeout"), deps.connectTimeoutMs);
  const done = (outcome: "connect-timeout" | "error" | "head-timeout" | "too-large" | "ok"): void => {
    if (settled) return;
    settled = true;
    deps.clock.clearTimeout(timer);
    backend.off("data", onData);
    backend.off("error", onError);
    if (outcome === "ok") return;
    backend.destroy();
    if (outcome === "connect-timeout" || (outcome === "error" && !connected)) {
      deps.stats.recordConnectFailure(pick.backend.id);
      fail("unreachable");
    } else fail(outcome === "head-timeout" ? "timeout" : "upstream-error");
  };
  const onError = (): void => done("error");
  const onData = (chunk: Buffer): void => {
    received.push(chunk);
    receivedBytes += chunk.length;
    const all = received.length === 1 ? chunk : Buffer.concat(received);
    received = [all];
    const end = all.indexOf(HEAD_END);
    if (end < 0) {
      if (receivedBytes > MAX_RESPONSE_HEAD) done("too-large");
      return;
    }
    done("ok");
    deps.stats.recordConnected(state);
    const status = Number(all.toString("latin1", 9, 12));
    tunnel(client, backend, all, end + HEAD_END.length, status, pick, deps);
  };
  backend.on("error", onError);
  backend.on("data", onData);
  backend.once("close", () => done("error"));
  backend.once("connect", () => {
    connected = true;
    deps.clock.clearTimeout(timer);
    // The backend now has upstreamTimeoutMs to answer the handshake.
    timer = deps.clock.setTimeout(() => done("head-timeout"), deps.upstreamTimeoutMs);
    backend.write(requestHead);
    if (clientHead.length > 0) backend.write(clientHead);
  });
}

/** Pipes client and backend both ways; a 101 to a WebSocket tracks frames for the drain's close 1001. */
function tunnel(
  client: Socket,
  backend: Socket,
  first: Buffer,
  headEnd: number,
  status: number,
  pick: Pick,
  deps: UpgradeDeps,
): void {
  const state = deps.stats.get(pick.backend.id);
  state.inFlight += 1;
  state.requests += 1;
  state.totalRequests += 1;
  deps.metrics.countStatus(status);
  const frames = status === 101 ? new FrameBoundaries() : undefined;
  let closing = false;
  let stopped = false;
  const toClient = (chunk: Buffer, start: number): void => {
    if (stopped) return;
    if (frames === undefined || !closing) {
      frames?.feed(chunk, start);
      client.write(start === 0 ? chunk : chunk.subarray(start));
      return;
    }
    const stop = frames.atBoundary ? start : frames.feed(chunk, start, true);
    if (stop > start) client.write(chunk.subarray(start, stop));
    if (frames.atBoundary) sendClose();
  };
  const sendClose = (): void => {
    stopped = true;
    client.write(CLOSE_GOING_AWAY);
  };
  const tunnelHandle: Tunnel = {
    closeGracefully() {
      closing = true;
      if (frames === undefined) {
        client.end();
        backend.end();
      } else if (frames.atBoundary) sendClose();
    },
    destroy() {
      client.destroy();
      backend.destroy();
    },
  };
  deps.connections.setTunnel(client, tunnelHandle);
  client.write(first.subarray(0, headEnd));
  if (headEnd < first.length) toClient(first, headEnd);
  backend.on("data", (chunk: Buffer) => toClient(chunk, 0));
  client.pipe(backend);
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    state.inFlight -= 1;
    client.destroy();
    backend.destroy();
  };
  backend.on("end", () => client.end());
  backend.on("close", finish);
  client.on("close", finish);
  backend.on("error", finish);
  client.on("error", finish);
}

/** `host:port` or `[v6]:port` -> parts for net.connect. */
export function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(":");
  const host = address.slice(0, colon);
  return { host: host.startsWith("[") ? host.slice(1, -1) : host, port: Number(address.slice(colon + 1)) };
}
