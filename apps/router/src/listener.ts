// The client-facing HTTP listeners: node:http servers with the header/idle timeouts and the header
// size limit, each connection tracked for the drain, requests and upgrades handed to the request path.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { TlsOptions } from "node:tls";
import type { ListenAddress } from "@signalbox/service";
import type { Connections } from "./connections.js";
import { type ProxyProtocolOptions, requireProxyProtocol } from "./proxy-protocol.js";
import { type ErrorReason, respondErrorOnSocket } from "./respond-error.js";

export interface ListenerOptions {
  headerTimeoutMs: number;
  idleTimeoutMs: number;
  maxHeaderBytes: number;
  connections: Connections;
  onRequest(req: IncomingMessage, res: ServerResponse): void;
  /** A request with `Expect: 100-continue`: node:http sends no `100 Continue` by itself then. */
  onCheckContinue(req: IncomingMessage, res: ServerResponse): void;
  onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void;
  /** Set for a ROUTER_PROXY_PROTOCOL_LISTEN listener: every connection starts with a PROXY header. */
  proxyProtocol?: ProxyProtocolOptions;
  /** Terminate TLS with these options (ROUTER_TLS_LISTEN): an https server, connections tracked once secure. */
  tls?: TlsOptions;
}

export interface Listener {
  server: Server;
  address: AddressInfo;
}

/** Listens on `address`; resolves once bound (port 0 picks a free port, see `address.port`). */
export async function startListener(address: ListenAddress, opts: ListenerOptions): Promise<Listener> {
  const httpOptions = {
    maxHeaderSize: opts.maxHeaderBytes,
    headersTimeout: opts.headerTimeoutMs,
    // Bodies may stream for long (uploads); the header timeout and the idle timeout bound the rest.
    requestTimeout: 0,
    keepAliveTimeout: opts.idleTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, opts.headerTimeoutMs),
    noDelay: true,
  };
  const server: Server = opts.tls
    ? createHttpsServer({ ...opts.tls, ...httpOptions })
    : createServer(httpOptions);
  server.on(opts.tls ? "secureConnection" : "connection", (socket: Socket) => opts.connections.add(socket));
  server.on("request", opts.onRequest);
  server.on("checkContinue", opts.onCheckContinue);
  server.on("upgrade", opts.onUpgrade);
  server.on("clientError", (err: Error & { code?: string }, socket: Duplex) => {
    const reason = clientErrorReason(err.code);
    if (reason === undefined) socket.destroy();
    else respondErrorOnSocket(socket, reason);
  });
  if (opts.proxyProtocol !== undefined) requireProxyProtocol(server, opts.proxyProtocol);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port, address.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return { server, address: server.address() as AddressInfo };
}

/** What a malformed or slow client gets: 431, 408 or 400; undefined means just close. */
function clientErrorReason(code: string | undefined): ErrorReason | undefined {
  if (code === "HPE_HEADER_OVERFLOW") return "header-too-large";
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") return "request-timeout";
  if (code?.startsWith("HPE_")) return "bad-request";
  return undefined;
}
