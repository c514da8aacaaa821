// The admin listener: /healthz, /readyz (200 once a table was read, 503 before and from the first
// moment of a drain), /metrics (prom-client), /routes (the compiled table) and /explain?url=.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createEndpointIndex, hostFromHeader } from "@signalbox/route-model";
import type { BackendStats } from "../backend-stats.js";
import type { ListenAddress } from "../config.js";
import type { RouterMetrics } from "../metrics.js";
import type { RouterTable, TableStore } from "../table/table-store.js";

export interface AdminDeps {
  tables: TableStore;
  stats: BackendStats;
  metrics: RouterMetrics;
  isDraining(): boolean;
}

export interface AdminServer {
  server: Server;
  address: AddressInfo;
  close(): Promise<void>;
}

export async function startAdminServer(address: ListenAddress, deps: AdminDeps): Promise<AdminServer> {
  const server = createServer((req, res) => {
    void serveAdmin(req, res, deps).catch((err: Error) =>
      sendText(res, 500, `admin error: ${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port, address.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    server,
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serveAdmin(req: IncomingMessage, res: ServerResponse, deps: AdminDeps): Promise<void> {
  const url = new URL(req.url ?? "/", "http://admin");
  switch (url.pathname) {
    case "/healthz":
      return sendText(res, 200, "ok\n");
    case "/readyz": {
      const table = deps.tables.current();
      if (deps.isDraining()) return sendText(res, 503, "draining\n");
      if (table === undefined) return sendText(res, 503, "no route table loaded yet\n");
      return sendText(res, 200, `ready: table version ${table.version}\n`);
    }
    case "/metrics": {
      const body = await deps.metrics.registry.metrics();
      res.writeHead(200, { "content-type": deps.metrics.registry.contentType });
      res.end(body);
      return;
    }
    case "/routes":
      return sendJson(res, 200, describeTable(deps.tables.current(), deps.stats));
    case "/explain": {
      const target = url.searchParams.get("url");
      if (target === null) return sendJson(res, 400, { error: "missing ?url=http://host/path" });
      let parsed: URL;
      try {
        parsed = new URL(target.includes("://") ? target : `http://${target}`);
      } catch {
        return sendJson(res, 400, { error: `url ${JSON.stringify(target)} is not a URL` });
      }
      return sendJson(res, 200, explain(deps.tables.current(), deps.stats, parsed));
    }
    default:
      return sendText(res, 404, "not found: try /healthz /readyz /metrics /routes /explain?url=\n");
  }
}

/** The current table as JSON: version, hash, warnings and each endpoint with live backend state. */
export function describeTable(table: RouterTable | undefined, stats: BackendStats): unknown {
  if (table === undefined) return { loaded: false };
  const { compiled } = table;
  return {
    loaded: true,
    version: compiled.version,
    hash: compiled.hash,
    generatedAt: compiled.table.generatedAt,
    warnings: compiled.warnings,
    endpoints: compiled.endpoints.map((endpoint) => ({
      pattern: endpoint.endpoint.pattern,
      sticky: endpoint.endpoint.sticky === true,
      healthRequire: endpoint.endpoint.healthRequire === true,
      filters: endpoint.endpoint.filters,
      routes: endpoint.routes.map((route) => ({
        ...route.route,
        backends: route.backends.map((backend) => ({
          id: backend.id,
          address: backend.address,
          state: backend.state,
          available: stats.isAvailable(backend, endpoint.endpoint.healthRequire === true),
          health: stats.healthOf(backend.id) ?? null,
          ejected: stats.isEjected(backend.id),
          inFlight: stats.inFlight(backend.id),
        })),
      })),
    })),
  };
}

/** Which endpoint, routes and backends `url` would get, and the other patterns it also matches. */
export function explain(table: RouterTable | undefined, stats: BackendStats, url: URL): unknown {
  const host = hostFromHeader(url.host);
  const path = `${url.pathname}${url.search}`;
  if (table === undefined) return { url: url.href, host, path, loaded: false };
  const routed = table.match(host, path);
  const endpoint = routed?.compiled;
  const shadows = table.compiled.endpoints
    .filter((other) => other !== endpoint)
    .filter((other) =>
      createEndpointIndex([{ pattern: other.endpoint.pattern, value: true }]).match(host, path),
    )
    .map((other) => other.endpoint.pattern);
  if (endpoint === undefined)
    return { url: url.href, host, path, version: table.version, endpoint: null, status: 404 };
  const healthRequire = endpoint.endpoint.healthRequire === true;
  return {
    url: url.href,
    host,
    path,
    version: table.version,
    endpoint: endpoint.endpoint.pattern,
    shadows,
    routes: endpoint.routes.map((route) => ({
      id: route.route.id,
      weight: route.route.weight,
      strategy: route.route.strategy,
      selector: route.route.selector,
      backends: route.backends.map((b) => ({
        id: b.id,
        address: b.address,
        available: stats.isAvailable(b, healthRequire),
      })),
    })),
    filters: endpoint.endpoint.filters,
  };
}

function sendText(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(`${JSON.stringify(value, null, 2)}\n`);
}
