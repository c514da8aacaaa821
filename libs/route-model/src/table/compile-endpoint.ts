// One endpoint of a table compiled: its pattern parsed, its routes with their backends and
// strategy, its weighted route picker and its own warnings. Full and incremental compiles share it.

import { checkFilterHeaders } from "../model/filter.js";
import type { Backend, Endpoint, Route } from "../model/types.js";
import { type ParsedPattern, parsePattern } from "../pattern/parse.js";
import type { Requirement, Selector } from "../selector/parse.js";
import { createStrategy, parseStrategy } from "../strategies/index.js";
import { createSmoothWeightedPicker } from "../weights/smooth-weighted.js";
import { compareText } from "./canonical.js";
import type { CompiledEndpoint, CompiledRoute } from "./compile.js";
import { endpointWarnings, invalidEntryWarning, type TableWarning } from "./warnings.js";

/** A selector and the backends it matches (sorted by id), shared by every route with its text. */
export interface Selection {
  selector: Selector;
  /** The requirement a backend the selector matches surely meets (see BackendIndex.narrowest). */
  narrowest: Requirement | undefined;
  backends: readonly Backend[];
}

/** One entry of a table's endpoints as compiled, with the warnings it contributes. */
export interface EndpointSlot {
  endpoint: Endpoint;
  /** Undefined when the pattern does not parse (the endpoint is left out). */
  compiled: CompiledEndpoint | undefined;
  /** invalid-endpoint / invalid-route warnings, in route order. */
  invalid: readonly TableWarning[];
  /** empty-endpoint / unpickable-route warnings of the compiled endpoint. */
  own: readonly TableWarning[];
}

export interface EndpointCompileDeps {
  random: () => number;
  /** The selection for a selector text; throws SelectorSyntaxError when the text does not parse. */
  selectionOf(text: string): Selection;
  /** A compiled route to keep for `route` (same spec, same backends), if there is one. */
  reusableRoute?(route: Route): CompiledRoute | undefined;
}

/**
 * Compiles `endpoint`: an unparsable pattern leaves it out with a warning, a route whose weight,
 * strategy or selector is invalid is left out of it with a warning naming the reason; routes are
 * sorted by id.
 */
export function compileEndpointSlot(endpoint: Endpoint, deps: EndpointCompileDeps): EndpointSlot {
  let pattern: ParsedPattern;
  try {
    pattern = parsePattern(endpoint.pattern);
    // A filter that would fail every request (a hop-by-hop name, a control character) leaves the
    // endpoint out with a warning naming the field, rather than 502s on each of its requests.
    for (const [i, filter] of endpoint.filters.entries()) checkFilterHeaders(filter, `filters[${i}]`);
  } catch (error) {
    const invalid = [invalidEntryWarning("invalid-endpoint", endpoint.pattern, undefined, error)];
    return { endpoint, compiled: undefined, invalid, own: [] };
  }
  const routes: CompiledRoute[] = [];
  const invalid: TableWarning[] = [];
  for (const route of [...endpoint.routes].sort((a, b) => compareText(a.id, b.id))) {
    try {
      routes.push(deps.reusableRoute?.(route) ?? compileRoute(route, deps));
    } catch (error) {
      invalid.push(invalidEntryWarning("invalid-route", endpoint.pattern, route.id, error));
    }
  }
  const compiled = compileEndpoint(endpoint, pattern, routes);
  return { endpoint, compiled, invalid, own: endpointWarnings(compiled) };
}

/** True when `a` and `b` compile alike: same id, selector, weight and strategy. */
export function sameRouteSpec(a: Route, b: Route): boolean {
  return a.id === b.id && a.selector === b.selector && a.weight === b.weight && a.strategy === b.strategy;
}

function compileRoute(route: Route, deps: EndpointCompileDeps): CompiledRoute {
  if (!Number.isInteger(route.weight) || route.weight < 0 || route.weight > 10000) {
    throw new Error(`weight ${JSON.stringify(route.weight)} is not an integer 0..10000`);
  }
  const strategy = createStrategy(parseStrategy(route.strategy), deps);
  const backends = deps.selectionOf(route.selector).backends;
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
