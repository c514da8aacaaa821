// PROXY protocol listeners (ROUTER_PROXY_PROTOCOL_LISTEN): each connection must come from a trusted
// proxy and start with a v1 or v2 header; the header's source becomes the connection's peer address,
// and only then does the HTTP server see the connection. Anything else is closed.

import type { Server } from "node:http";
import type { Socket } from "node:net";
import { type CidrSet, canonicalIp, ProxyProtocolError, parseProxyHeader } from "@signalbox/route-model";
import type { Logger } from "pino";
import { peerAddressOf, setProxiedPeer } from "./peer-address.js";

export interface ProxyProtocolOptions {
  /** Peers allowed to send a PROXY header (ROUTER_TRUSTED_PROXIES); others are closed at once. */
  trusted: CidrSet;
  /** Time a connection has to send its whole header. */
  timeoutMs: number;
  logger: Logger;
}

/**
 * Puts a PROXY header reader in front of every 'connection' listener `server` has now (node:http's
 * own among them): call it after the last of them is added.
 */
export function requireProxyProtocol(server: Server, opts: ProxyProtocolOptions): void {
  const listeners = server.listeners("connection") as ((socket: Socket) => void)[];
  server.removeAllListeners("connection");
  server.on("connection", (socket: Socket) =>
    readProxyHeader(socket, opts, () => {
      for (const listener of listeners) listener.call(server, socket);
    }),
  );
}

function readProxyHeader(socket: Socket, opts: ProxyProtocolOptions, handOver: () => void): void {
  const peer = peerAddressOf(socket);
  const refuse = (reason: string) => {
    opts.logger.debug({ peer, reason }, "PROXY protocol connection refused");
    socket.destroy();
  };
  const onError = () => socket.destroy();
  socket.on("error", onError);
  if (!opts.trusted.contains(peer)) {
    refuse("peer is not in ROUTER_TRUSTED_PROXIES");
    return;
  }
  let received: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => refuse("no complete PROXY header in time"), opts.timeoutMs);
  const stop = () => {
    clearTimeout(timer);
    socket.off("data", onData);
    socket.off("close", onClose);
  };
  const onClose = () => stop();
  const onData = (chunk: Buffer) => {
    received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
    let header: ReturnType<typeof parseProxyHeader>;
    try {
      header = parseProxyHeader(received);
    } catch (err) {
      stop();
      refuse(err instanceof ProxyProtocolError ? err.message : String(err));
      return;
    }
    if (header.kind === "incomplete") return;
    stop();
    socket.pause();
    if (header.source !== undefined) setProxiedPeer(socket, canonicalIp(header.source.address));
    if (received.length > header.length) socket.unshift(received.subarray(header.length));
    socket.off("error", onError);
    handOver();
    socket.resume();
  };
  socket.on("data", onData);
  socket.on("close", onClose);
}
