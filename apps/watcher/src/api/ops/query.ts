// `query`: the merged route table as operators read it: each endpoint's routes with the ids
// of the backends their selector matches (as the router compiles it), each backend with its
// health verdict and requests per second.
import type { QueryBackend, QueryEndpoint } from "@signalbox/bus";
import { type Backend, compileTable, type RouteTable } from "@signalbox/route-model";
import type { OpContext, OpHandler } from "../op-context.js";
import { readPattern } from "../request-fields.js";

const NO_TABLE_YET: RouteTable = { version: 0, generatedAt: 0, endpoints: [], backends: [] };

export const query: OpHandler<"query"> = async (_request, ctx) => {
  const built = ctx.tables.current();
  const table = built ?? NO_TABLE_YET;
  const compiled = compileTable(table, { random: ctx.random });
  const apiRoutes = new Set(
    (await ctx.records.listEndpoints()).flatMap((record) =>
      record.routes.map((route) => `${record.pattern}#${route.id}`),
    ),
  );

  const endpoints: QueryEndpoint[] = compiled.endpoints.map(({ endpoint, routes }) => {
    const normalised = readPattern(endpoint.pattern);
    const key = normalised.ok ? normalised.value : endpoint.pattern;
    return {
      pattern: endpoint.pattern,
      filters: endpoint.filters,
      ...(endpoint.sticky !== undefined && { sticky: endpoint.sticky }),
      ...(endpoint.healthRequire !== undefined && { healthRequire: endpoint.healthRequire }),
      routes: routes.map(({ route, backends }) => ({
        id: route.id,
        selector: route.selector,
        weight: route.weight,
        strategy: route.strategy,
        apiDefined: apiRoutes.has(`${key}#${route.id}`),
        backends: backends.map((backend) => backend.id),
      })),
    };
  });
  endpoints.sort((a, b) => a.pattern.localeCompare(b.pattern));

  const now = ctx.clock.now();
  const backends = table.backends
    .map((backend) => describeBackend(backend, ctx, now))
    .sort((a, b) => a.service.localeCompare(b.service) || a.id.localeCompare(b.id));

  const warnings = compiled.warnings.map((warning) => warning.message);
  if (!built) warnings.unshift("the watcher has not built a route table yet");
  return { ok: true, version: table.version, generatedAt: table.generatedAt, endpoints, backends, warnings };
};

function describeBackend(backend: Backend, ctx: OpContext, now: number): QueryBackend {
  const rps = ctx.stats.rps(backend.id, now) ?? backend.rps;
  return {
    id: backend.id,
    service: backend.service,
    address: backend.address,
    labels: backend.labels,
    state: backend.state,
    source: backend.source,
    health: ctx.health.statusOf(backend.service, backend.id),
    ...(backend.load !== undefined && { load: backend.load }),
    ...(rps !== undefined && { rps }),
    ...(backend.weight !== undefined && { weight: backend.weight }),
    ...(backend.location !== undefined && { location: backend.location }),
    connectedAt: backend.connectedAt,
  };
}
