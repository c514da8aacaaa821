// The watcher's admin listener (WATCHER_ADMIN_LISTEN): `/healthz` and `/metrics`.
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { ListenAddress } from "../config.js";

export interface AdminServer {
  /** The bound address (port 0 resolved). */
  readonly address: ListenAddress;
  stop(): Promise<void>;
}

export interface AdminServerOptions {
  listen: ListenAddress;
  registry: Registry;
  /** What `/healthz` reports beside `status: "ok"` (leader flag, table version). */
  health: () => Record<string, unknown>;
}

/** `/healthz` is 200 while the process runs (JSON body); `/metrics` is the Prometheus text format. */
export async function startAdminServer(opts: AdminServerOptions): Promise<AdminServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") {
      res.writeHead(405, { allow: "GET" }).end();
    } else if (path === "/healthz") {
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ status: "ok", ...opts.health() }));
    } else if (path === "/metrics") {
      opts.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": opts.registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(String(error)),
      );
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  });
  server.listen(opts.listen.port, opts.listen.host);
  await once(server, "listening");
  const bound = server.address() as AddressInfo;
  return {
    address: { host: bound.address, port: bound.port },
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
