// The router's admin listener (ROUTER_ADMIN_LISTEN): the shared /healthz and /metrics, plus
// /readyz (200 once a table was read, 503 before and from the first moment of a drain),
// /routes (the compiled table, streamed) and /explain?url=; neither stalls the data plane at 100k
// backends (bench/admin measures it).

import { createEndpointIndex, hostFromHeader } from "@signalbox/route-model";
import {
  type AdminServer,
  type ListenAddress,
  sendJson,
  sendText,
  startAdminServer,
} from "@signalbox/service";
import type { BackendStats } from "../backend-stats.js";
import type { RouterMetrics } from "../metrics.js";
import type { RouterTable, TableStore } from "../table/table-store.js";
import { Slicer, streamJson } from "./json-stream.js";

export interface AdminDeps {
  tables: TableStore;
  stats: BackendStats;
  metrics: RouterMetrics;
  isDraining(): boolean;
  /** With TLS listeners: which certificate serves a pattern's host, and the TLS part of /routes. */
  tls?: TlsView;
}

export interface TlsView {
  certificateFor(pattern: string): string;
  /** `{ certificates, warnings }` for /routes; never a key. */
  describe(patterns: readonly { pattern: string; tls?: boolean }[]): Record<string, unknown>;
}

/** Starts the admin listener on `address`; /healthz also reports the table version (-1 before the first). */
export function startRouterAdmin(address: ListenAddress, deps: AdminDeps): Promise<AdminServer> {
  return startAdminServer({
    listen: address,
    registry: deps.metrics.registry,
    health: () => ({ tableVersion: deps.tables.current()?.version ?? -1 }),
    routes: {
      "/readyz": (_req, res) => {
        if (deps.isDraining()) return sendText(res, 503, "draining\n");
        const table = deps.tables.current();
        if (table === undefined) return sendText(res, 503, "no route table loaded yet\n");
        return sendText(res, 200, `ready: table version ${table.version}\n`);
      },
      "/routes": (_req, res) =>
        streamJson(res, 200, describeTable(deps.tables.current(), deps.stats, deps.tls)),
      "/explain": (_req, res, url) => {
        const target = url.searchParams.get("url");
        if (target === null) return sendJson(res, 400, { error: "missing ?url=http://host/path" });
        const parsed = URL.parse(target.includes("://") ? target : `http://${target}`);
        if (parsed === null)
          return sendJson(res, 400, { error: `url ${JSON.stringify(target)} is not a URL` });
        return explain(deps.tables.current(), deps.stats, parsed).then((answer) =>
          sendJson(res, 200, answer),
        );
      },
    },
  });
}

/**
 * The current table as JSON text, piece by piece: version, hash, warnings, the TLS part (with TLS
 * listeners) and each endpoint with live backend state, one warning or endpoint per line (a
 * 100k-backend table is tens of MB).
 */
export function* describeTable(
  table: RouterTable | undefined,
  stats: BackendStats,
  tls?: TlsView,
): Generator<string> {
  if (table === undefined) {
    yield `${JSON.stringify({ loaded: false })}\n`;
    return;
  }
  const { compiled } = table;
  const head = {
    loaded: true,
    version: compiled.version,
    hash: compiled.hash,
    generatedAt: compiled.table.generatedAt,
    ...tls?.describe(compiled.table.endpoints),
  };
  yield `${JSON.stringify(head).slice(0, -1)},\n"warnings": [`;
  yield* jsonLines(compiled.warnings, (warning) => warning);
  yield '],\n"endpoints": [';
  yield* jsonLines(compiled.endpoints, (endpoint) => ({
    pattern: endpoint.endpoint.pattern,
    ...(tls !== undefined && { certificate: tls.certificateFor(endpoint.endpoint.pattern) }),
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
  }));
  yield "]}\n";
}

/** Each item as JSON on a line of its own, comma-separated. */
function* jsonLines<T>(items: readonly T[], describe: (item: T) => unknown): Generator<string> {
  for (let i = 0; i < items.length; i++)
    yield `${i === 0 ? "" : ","}\n${JSON.stringify(describe(items[i] as T))}`;
  if (items.length > 0) yield "\n";
}

/**
 * Which endpoint, routes and backends `url` would get, and the other patterns it also matches
 * (found by a pass over every endpoint, in slices that let requests through meanwhile).
 */
export async function explain(
  table: RouterTable | undefined,
  stats: BackendStats,
  url: URL,
): Promise<unknown> {
  const host = hostFromHeader(url.host);
  const path = `${url.pathname}${url.search}`;
  if (table === undefined) return { url: url.href, host, path, loaded: false };
  const routed = table.match(host, path);
  const endpoint = routed?.compiled;
  const shadows: string[] = [];
  const slicer = new Slicer();
  for (const other of table.compiled.endpoints) {
    if (
      other !== endpoint &&
      createEndpointIndex([{ pattern: other.endpoint.pattern, value: true }]).match(host, path)
    )
      shadows.push(other.endpoint.pattern);
    await slicer.pause();
  }
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
