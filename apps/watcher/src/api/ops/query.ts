// `query`: the merged route table as operators read it: each endpoint's routes with the ids
// of the backends their selector matches (as the router compiles it), each backend with its
// health verdict and requests per second.
import type { QueryBackend, QueryEndpoint } from "@signalbox/bus";
import { type Backend, compileTable, type RouteTable } from "@signalbox/route-model";
import { patternHost, SniIndex, tlsWarnings } from "@signalbox/tls";
import { invalid, type OpContext, type OpHandler } from "../op-context.js";
import { readPattern } from "../request-fields.js";

const NO_TABLE_YET: RouteTable = { version: 0, generatedAt: 0, endpoints: [], backends: [] };

export const query: OpHandler<"query"> = async (request, ctx) => {
  const only = request.pattern === undefined ? undefined : readPattern(request.pattern);
  if (only && !only.ok) return invalid(only.message);
  const built = ctx.tables.current();
  const table = built ?? NO_TABLE_YET;
  const compiled = compileTable(table, { random: ctx.random });
  const [certificates, defaultId] = await Promise.all([ctx.certs.list(), ctx.certs.defaultId()]);
  const entries = certificates.map((cert) => ({ ...cert, value: cert.id }));
  const sni = new SniIndex(
    entries,
    entries.find((entry) => entry.id === defaultId),
  );
  const selected = compiled.endpoints
    .map((compiledEndpoint) => ({ key: keyOf(compiledEndpoint.endpoint.pattern), compiledEndpoint }))
    .filter(({ key }) => only === undefined || key === only.value);
  if (only && selected.length === 0)
    return invalid(`no endpoint "${only.value}" (signalbox query lists the endpoints)`);
  const apiRoutes = new Set(
    (await ctx.records.listEndpoints()).flatMap((record) =>
      record.routes.map((route) => `${record.pattern}#${route.id}`),
    ),
  );

  const endpoints: QueryEndpoint[] = selected.map(({ key, compiledEndpoint: { endpoint, routes } }) => ({
    pattern: endpoint.pattern,
    filters: endpoint.filters,
    ...(endpoint.sticky !== undefined && { sticky: endpoint.sticky }),
    ...(endpoint.healthRequire !== undefined && { healthRequire: endpoint.healthRequire }),
    ...(endpoint.tls !== undefined && { tls: endpoint.tls }),
    ...certificateOf(sni, endpoint.pattern),
    routes: routes.map(({ route, backends }) => ({
      id: route.id,
      selector: route.selector,
      weight: route.weight,
      strategy: route.strategy,
      apiDefined: apiRoutes.has(`${key}#${route.id}`),
      backends: backends.map((backend) => backend.id),
    })),
  }));
  endpoints.sort((a, b) => a.pattern.localeCompare(b.pattern));

  const matched = new Set(
    endpoints.flatMap((endpoint) => endpoint.routes.flatMap((route) => route.backends)),
  );
  const now = ctx.clock.now();
  const backends = table.backends
    .filter((backend) => only === undefined || matched.has(backend.id))
    .map((backend) => describeBackend(backend, ctx, now))
    .sort((a, b) => a.service.localeCompare(b.service) || a.id.localeCompare(b.id));

  const warnings = compiled.warnings
    .filter((warning) => only === undefined || keyOf(warning.pattern) === only.value)
    .map((warning) => warning.message);
  const shown = table.endpoints.filter(
    (endpoint) => only === undefined || keyOf(endpoint.pattern) === only.value,
  );
  warnings.push(...tlsWarnings(shown, only === undefined ? certificates : [], now));
  if (!built) warnings.unshift("the watcher has not built a route table yet");
  return { ok: true, version: table.version, generatedAt: table.generatedAt, endpoints, backends, warnings };
};

/** `{ certificate: id }` when a certificate (or the default) answers SNI for the pattern's host. */
function certificateOf(sni: SniIndex<string>, pattern: string): { certificate?: string } {
  const pick = sni.pick(patternHost(pattern));
  return pick === undefined ? {} : { certificate: pick.id };
}

/** The table's patterns are normalised already; this guards a comparison against one that is not. */
function keyOf(pattern: string): string {
  const normalised = readPattern(pattern);
  return normalised.ok ? normalised.value : pattern;
}

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
