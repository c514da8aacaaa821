// The admin listener every service runs (<SERVICE>_ADMIN_LISTEN): /healthz and /metrics built in,
// plus the GET paths a service adds (the router's /readyz, /routes, /explain).
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { ListenAddress } from "./env-readers.js";

/** Answers one GET on its path; `url` is the parsed request target (query in `url.searchParams`). */
export type AdminRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface AdminServerOptions {
  listen: ListenAddress;
  /** The service's own registry (never prom-client's global one), served on /metrics. */
  registry: Registry;
  /** Fields /healthz reports beside `status: "ok"` (table version, leader flag...). */
  health(): Record<string, unknown>;
  /** Extra paths (`/readyz`); /healthz and /metrics are built in and cannot be replaced. */
  routes?: Readonly<Record<string, AdminRoute>>;
}

export interface AdminServer {
  /** The bound address (port 0 resolved). */
  readonly address: ListenAddress;
  /** Cuts open connections and closes the listener. */
  stop(): Promise<void>;
}

/**
 * Listens on `options.listen`; rejects with the listen error (EADDRINUSE...). /healthz is 200 with
 * JSON `{ status: "ok", ...health() }` while the process runs; /metrics is the Prometheus text of
 * `registry`. Only GET and HEAD are served (405 otherwise); an unknown path is 404 listing the
 * known ones; a route that throws or rejects is 500 `admin error: <message>`.
 */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const routes = new Map<string, AdminRoute>(Object.entries(options.routes ?? {}));
  routes.set("/healthz", (_req, res) => sendJson(res, 200, { status: "ok", ...options.health() }));
  routes.set("/metrics", async (_req, res) => {
    const text = await options.registry.metrics();
    res.writeHead(200, { "content-type": options.registry.contentType }).end(text);
  });
  const known = `not found: try ${[...routes.keys()].sort().join(" ")}\n`;

  const server = createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const url = URL.parse(req.url ?? "/", "http://admin");
    if (url === null) return sendText(res, 400, "bad request target\n");
    const route = routes.get(url.pathname);
    if (route === undefined) return sendText(res, 404, known);
    serveRoute(route, req, res, url);
  });
  server.listen(options.listen.port, options.listen.host);
  await once(server, "listening");
  const bound = server.address() as AddressInfo;
  return {
    address: { host: bound.address, port: bound.port },
    async stop() {
      if (!server.listening) return;
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

/** Writes `body` as text/plain with `status`. */
export function sendText(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(body);
}

/** Writes `value` as indented JSON (readable with curl) with `status`. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(`${JSON.stringify(value, null, 2)}\n`);
}

function serveRoute(route: AdminRoute, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const fail = (error: unknown) => {
    if (res.headersSent) res.destroy(error instanceof Error ? error : undefined);
    else sendText(res, 500, `admin error: ${error instanceof Error ? error.message : String(error)}\n`);
  };
  try {
    const answered = route(req, res, url);
    if (answered instanceof Promise) answered.catch(fail);
  } catch (error) {
    fail(error);
  }
}
