// The health service's admin listener (HEALTH_ADMIN_LISTEN): `/healthz` and `/metrics`.
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
  /** Fields `/healthz` adds beside `status: "ok"` (targets, table version). */
  health(): Record<string, unknown>;
}

/** `/healthz`: 200 with a JSON body while the process runs; `/metrics`: Prometheus text. */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") {
      res.writeHead(405, { allow: "GET" }).end();
    } else if (path === "/healthz") {
      const body = JSON.stringify({ status: "ok", ...options.health() });
      res.writeHead(200, { "content-type": "application/json" }).end(body);
    } else if (path === "/metrics") {
      options.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": options.registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(String(error)),
      );
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  });
  server.listen(options.listen.port, options.listen.host);
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
