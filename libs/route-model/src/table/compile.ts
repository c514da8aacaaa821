// A RouteTable compiled for the router: endpoint lookup, routes with their backends and strategy,
// built once per table and never changed (the router swaps one reference per new table).
import type { Backend, Endpoint, Route, RouteTable } from "../model/types.js";
import { createEndpointIndex } from "../pattern/endpoint-index.js";
import { type ParsedPattern, parsePattern } from "../pattern/parse.js";
import { parseSelector } from "../selector/parse.js";
import { createStrategy, parseStrategy } from "../strategies/index.js";
import type { PickContext } from "../strategies/strategy.js";
import { createSmoothWeightedPicker } from "../weights/smooth-weighted.js";
import { type BackendIndex, createBackendIndex } from "./backend-index.js";
import { compareText } from "./canonical.js";
import { hashTable } from "./hash.js";
import { collectTableWarnings, invalidEntryWarning, type TableWarning } from "./warnings.js";

export interface CompiledRoute {
  route: Route;
  /** Every backend of the table the route's selector matches, sorted by id. */
  backends: readonly Backend[];
  /** The route's strategy over `backends`; undefined when none is available. */
  pickBackend(ctx: PickContext): Backend | undefined;
}

export interface CompiledEndpoint {
  endpoint: Endpoint;
  pattern: ParsedPattern;
  /** The routes that compiled, sorted by id. */
  routes: readonly CompiledRoute[];
  /**
   * Smooth weighted pick among routes with weight > 0 for which hasCandidates(route) is true;
   * `preferredRouteId` (sticky cookie) wins when that route has weight > 0 and candidates.
   */
  pickRoute(
    hasCandidates: (route: CompiledRoute) => boolean,
    preferredRouteId?: string,
  ): CompiledRoute | undefined;
}

export interface CompiledTable {
  version: number;
  hash: string;
  table: RouteTable;
  /** The most specific endpoint for a request (exact host, then wildcard; longest path prefix). */
  match(host: string, path: string): CompiledEndpoint | undefined;
  /** Every endpoint whose pattern parses, in table order. */
  endpoints: readonly CompiledEndpoint[];
  backendsById: ReadonlyMap<string, Backend>;
  warnings: TableWarning[];
}

/**
 * Compiles `table` once: endpoints go into the endpoint index, each route's selector is parsed
 * once and resolved to its backends through a label index (no scan of all backends per route),
 * and each route gets its own strategy instance. Never throws on table content: an endpoint whose
 * pattern does not parse or a route whose selector, strategy or weight is invalid is left out with
 * a warning, next to shadowed endpoints and routes that can never be picked.
 */
export function compileTable(table: RouteTable, deps: { random: () => number }): CompiledTable {
  const backends = [...table.backends].sort((a, b) => compareText(a.id, b.id));
  const backendIndex = createBackendIndex(backends);
  const warnings: TableWarning[] = [];
  const endpoints: CompiledEndpoint[] = [];
  for (const endpoint of table.endpoints) {
    let pattern: ParsedPattern;
    try {
      pattern = parsePattern(endpoint.pattern);
    } catch (error) {
      warnings.push(invalidEntryWarning("invalid-endpoint", endpoint.pattern, undefined, error));
      continue;
    }
    const routes: CompiledRoute[] = [];
    for (const route of [...endpoint.routes].sort((a, b) => compareText(a.id, b.id))) {
      try {
        routes.push(compileRoute(route, backendIndex, deps));
      } catch (error) {
        warnings.push(invalidEntryWarning("invalid-route", endpoint.pattern, route.id, error));
      }
    }
    endpoints.push(compileEndpoint(endpoint, pattern, routes));
  }
  const index = createEndpointIndex(
    endpoints.map((compiled) => ({ pattern: compiled.endpoint.pattern, value: compiled })),
  );
  warnings.push(...collectTableWarnings(endpoints, index));
  return {
    version: table.version,
    hash: hashTable(table),
    table,
    match: (host, path) => index.match(host, path),
    endpoints,
    backendsById: new Map(backends.map((backend) => [backend.id, backend])),
    warnings,
  };
}

function compileRoute(
  route: Route,
  backendIndex: BackendIndex,
  deps: { random: () => number },
): CompiledRoute {
  if (!Number.isInteger(route.weight) || route.weight < 0 || route.weight > 10000) {
    throw new Error(`weight ${JSON.stringify(route.weight)} is not an integer 0..10000`);
  }
  const strategy = createStrategy(parseStrategy(route.strategy), deps);
  const backends = backendIndex.select(parseSelector(route.selector));
  return { route, backends, pickBackend: (ctx) => strategy.pick(backends, ctx) };
}

function compileEndpoint(
  endpoint: Endpoint,
  pattern: ParsedPattern,
  routes: CompiledRoute[],
): CompiledEndpoint {
  const picker = createSmoothWeightedPicker(
    routes.map((compiled) => ({ item: compiled, weight: compiled.route.weight })),
  );
  const byId = new Map(routes.map((compiled) => [compiled.route.id, compiled]));
  return {
    endpoint,
    pattern,
    routes,
    pickRoute(hasCandidates, preferredRouteId) {
      const preferred = preferredRouteId === undefined ? undefined : byId.get(preferredRouteId);
      if (preferred !== undefined && preferred.route.weight > 0 && hasCandidates(preferred)) return preferred;
      return picker.pick((compiled) => compiled.route.weight > 0 && hasCandidates(compiled));
    },
  };
}
