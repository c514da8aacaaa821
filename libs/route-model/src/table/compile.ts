// A RouteTable compiled for the router: endpoint lookup, routes with their backends and strategy,
// built once per table and never changed (the router swaps one reference per new table). A table
// may be compiled from the one before it and the keys that changed (see recompile.ts).
import type { Backend, Endpoint, Route, RouteTable } from "../model/types.js";
import type { ParsedPattern } from "../pattern/parse.js";
import type { PickContext } from "../strategies/strategy.js";
import { BackendSet } from "./backend-set.js";
import { compileEndpointSlot, type Selection } from "./compile-endpoint.js";
import { assembleTable, indexPatterns, selectionsFrom } from "./compile-state.js";
import { TableHashState } from "./hash.js";
import { recompileTable } from "./recompile.js";
import type { TableWarning } from "./warnings.js";

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
  /** Iterates in id order after a full compile; an incremental one lists added backends last. */
  backendsById: ReadonlyMap<string, Backend>;
  warnings: TableWarning[];
}

/** The keys whose content differs between two tables: added, changed or removed. */
export interface TableChanges {
  /** Endpoint patterns. */
  endpoints: readonly string[];
  /** Backend ids. */
  backends: readonly string[];
}

/** A compiled table and what changed since its table, for compiling the next one incrementally. */
export interface PreviousCompile {
  compiled: CompiledTable;
  /** Every key whose content differs between `compiled.table` and the table being compiled. */
  changed: TableChanges;
}

/**
 * Compiles `table`: endpoints go into the endpoint index, each distinct selector is parsed once and
 * resolved to its backends through a label index (no scan of all backends per route), and each
 * route gets its own strategy instance. Never throws on table content: an endpoint whose pattern
 * does not parse or a route whose selector, strategy or weight is invalid is left out with a
 * warning, next to shadowed endpoints and routes that can never be picked.
 *
 * With `previous`, only what the changes touch is compiled again: endpoints listed as changed,
 * and routes whose selector matches a changed backend (its old or its new content) get their
 * backends from their previous list plus or minus the changed backends; every other compiled
 * endpoint and route, and its state (a round-robin keeps its place), is shared with
 * `previous.compiled`. The result answers like a full compile of `table` (same backends per
 * route, same matches, same warnings). A full compile is done instead when `previous` cannot
 * serve: its changes do not add up to `table` (a missing removal, backends not sorted by id as
 * KV readers and the watcher give them, a pattern written twice) or are too many to gain anything.
 */
export function compileTable(
  table: RouteTable,
  deps: { random: () => number },
  previous?: PreviousCompile,
): CompiledTable {
  const incremental =
    previous === undefined ? undefined : recompileTable(table, deps, previous.compiled, previous.changed);
  return incremental ?? compileFull(table, deps);
}

function compileFull(table: RouteTable, deps: { random: () => number }): CompiledTable {
  const backends = BackendSet.of(table.backends);
  const selections = new Map<string, Selection>();
  const selectionOf = selectionsFrom(backends, selections);
  const slots = table.endpoints.map((endpoint) =>
    compileEndpointSlot(endpoint, { random: deps.random, selectionOf }),
  );
  return assembleTable(table, {
    slots,
    ...indexPatterns(slots),
    backends,
    selections,
    selectionsInUse: selections.size,
    selectorIndex: {},
    slotsBySelector: {},
    hash: TableHashState.of(table),
  });
}
