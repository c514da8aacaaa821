// Everything HTTPS in one handle for the router's start(): the self-signed fallback, the CertBook,
// the TLS metrics and the listeners; `follow` keeps the book current from signalbox-certs.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Clock } from "@signalbox/backoff";
import type { ListenAddress } from "@signalbox/service";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { TlsView } from "../admin/admin-server.js";
import type { ListenerOptions } from "../listener.js";
import type { NatsConnection } from "../table/table-follower.js";
import { CertBook } from "./cert-book.js";
import { followCerts } from "./cert-follower.js";
import { generateSelfSigned } from "./self-signed.js";
import { startTlsListeners } from "./tls-listeners.js";
import { TlsMetrics } from "./tls-metrics.js";
import { createTlsView } from "./tls-view.js";

export interface TlsEdgeDeps {
  addresses: readonly ListenAddress[];
  listener: Omit<ListenerOptions, "tls">;
  registry: Registry;
  clock: Clock;
  logger: Logger;
}

export interface TlsEdge {
  servers: Server[];
  addresses: AddressInfo[];
  book: CertBook;
  /** What /routes shows of TLS. */
  view: TlsView;
  /** Follows signalbox-certs until `signal` aborts; never rejects. */
  follow(nc: NatsConnection, signal: AbortSignal): Promise<void>;
  stop(): void;
}

export async function startTlsEdge(deps: TlsEdgeDeps): Promise<TlsEdge> {
  const { logger } = deps;
  const book = new CertBook(await generateSelfSigned(deps.clock.now()), logger.child({ component: "certs" }));
  logger.info(
    { certificate: "self-signed" },
    "generated a self-signed certificate, served until signalbox-certs names a default (signalbox cert add --default)",
  );
  const metrics = new TlsMetrics(deps.registry, book);
  const listeners = await startTlsListeners(deps.addresses, {
    listener: deps.listener,
    book,
    metrics,
    logger: logger.child({ component: "tls" }),
  });
  return {
    servers: listeners.servers,
    addresses: listeners.addresses,
    book,
    view: createTlsView(book, deps.clock),
    follow: (nc, signal) =>
      followCerts({ nc, book, clock: deps.clock, logger: logger.child({ component: "certs" }), signal }),
    stop: listeners.detach,
  };
}
