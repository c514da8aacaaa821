// The HTTPS listeners (ROUTER_TLS_LISTEN): the same request path as the plain ones, with TLS
// terminated by node:tls. SNI picks each handshake's certificate from the CertBook; when the book
// changes, each server's own context (for ClientHellos without a server name) and ticket key are
// replaced in place: no restart, open connections untouched.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { SecureContext, TLSSocket, TlsOptions } from "node:tls";
import type { ListenAddress } from "@signalbox/service";
import type { Logger } from "pino";
import { type ListenerOptions, startListener } from "../listener.js";
import type { CertBook } from "./cert-book.js";
import type { TlsMetrics } from "./tls-metrics.js";
import { ALPN_PROTOCOLS, SECURE_CONTEXT_POLICY } from "./tls-policy.js";

export interface TlsListenersDeps {
  /** The plain listeners' options, with the handlers made for `proto: https`. */
  listener: Omit<ListenerOptions, "tls">;
  book: CertBook;
  metrics: TlsMetrics;
  logger: Logger;
}

export interface TlsListeners {
  servers: Server[];
  addresses: AddressInfo[];
  /** Stops following the book (the servers are closed by the drain). */
  detach(): void;
}

export async function startTlsListeners(
  addresses: readonly ListenAddress[],
  deps: TlsListenersDeps,
): Promise<TlsListeners> {
  const { book, metrics } = deps;
  const own = (): TlsOptions => {
    const pems = book.defaultPems();
    return { ...SECURE_CONTEXT_POLICY, cert: pems.chainPem, key: pems.keyPem, ticketKeys: book.ticketKey };
  };
  const sniCallback = (serverName: string, done: (err: Error | null, ctx?: SecureContext) => void) => {
    const pick = book.pick(serverName);
    metrics.countPick(pick.match);
    done(null, pick.context);
  };
  const servers: Server[] = [];
  const bound: AddressInfo[] = [];
  try {
    for (const address of addresses) {
      const listener = await startListener(address, {
        ...deps.listener,
        tls: {
          ...own(),
          ALPNProtocols: ALPN_PROTOCOLS,
          SNICallback: sniCallback,
          // A client that never finishes its handshake is held no longer than one that never sends headers.
          handshakeTimeout: deps.listener.headerTimeoutMs,
        },
      });
      listener.server.on("secureConnection", (socket: TLSSocket) =>
        metrics.countHandshake(socket.isSessionReused() ? "resumed" : "full"),
      );
      listener.server.on("tlsClientError", (err: Error & { code?: string }) => {
        metrics.countHandshake("failed");
        deps.logger.debug({ code: err.code, reason: err.message }, "TLS handshake failed");
      });
      servers.push(listener.server);
      bound.push(listener.address);
    }
  } catch (error) {
    for (const server of servers) server.close();
    throw error;
  }
  const detach = book.onChange(() => {
    const options = own();
    for (const server of servers) (server as unknown as TlsServerLike).setSecureContext(options);
  });
  return { servers, addresses: bound, detach };
}

/** https.Server's TLS half (typed on tls.Server, which the http.Server type does not show). */
interface TlsServerLike {
  setSecureContext(options: TlsOptions): void;
}
