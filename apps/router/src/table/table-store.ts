// Holds the one compiled table requests are routed by and swaps it atomically: a request reads
// `current()` once at its start and is routed by that table to the end, old or new, never a mix.

import type { Clock } from "@signalbox/backoff";
import type { RouteTableChanges } from "@signalbox/bus";
import {
  type CompiledEndpoint,
  type CompiledTable,
  compileTable,
  type Endpoint,
  type RouteTable,
} from "@signalbox/route-model";
import { createFilterChain, type FilterChain, FilterState } from "../filters/chain.js";

/** A compiled endpoint with what the router adds to it: its filter chain and its sticky cookie. */
export interface RoutedEndpoint {
  compiled: CompiledEndpoint;
  filters: FilterChain;
  /** Cookie naming the route a client got, for sticky endpoints. */
  stickyCookie: string | undefined;
  /** Path of the sticky cookie: the endpoint's prefix. */
  cookiePath: string;
  healthRequire: boolean;
}

/** What the router adds to an endpoint that depends on its Endpoint alone. */
type EndpointView = Omit<RoutedEndpoint, "compiled">;

/**
 * An immutable snapshot: the compiled table and the router's view of each endpoint. Tables
 * derived from one share its views (filter chains) of the Endpoint objects they have in common.
 */
export class RouterTable {
  private constructor(
    readonly compiled: CompiledTable,
    /** The view of each Endpoint object of the table, shared along derived tables. */
    private readonly views: WeakMap<Endpoint, EndpointView>,
    /** Made on a compiled endpoint's first match; shared likewise (a compiled endpoint never changes). */
    private readonly routed: WeakMap<CompiledEndpoint, RoutedEndpoint>,
  ) {}

  /** Every endpoint of `compiled` with a filter chain built now (rate-limit buckets from `filterState`). */
  static build(compiled: CompiledTable, filterState: FilterState): RouterTable {
    return new RouterTable(compiled, new WeakMap(), new WeakMap()).withViews(filterState);
  }

  /**
   * `compiled` with this table's views of the Endpoint objects it shares with it (a changed
   * endpoint is a new object: it gets a new filter chain); rate-limit buckets stay in the chains.
   */
  derive(compiled: CompiledTable, filterState: FilterState): RouterTable {
    const next = new RouterTable(compiled, this.views, this.routed);
    return compiled.table.endpoints === this.compiled.table.endpoints ? next : next.withViews(filterState);
  }

  /** Adds a view for each endpoint of the table that has none. */
  private withViews(filterState: FilterState): this {
    for (const { endpoint, pattern } of this.compiled.endpoints) {
      if (this.views.has(endpoint)) continue;
      this.views.set(endpoint, {
        filters: createFilterChain(endpoint, pattern.pathPrefix, filterState),
        stickyCookie: endpoint.sticky ? stickyCookieName(endpoint.pattern) : undefined,
        cookiePath: pattern.pathPrefix,
        healthRequire: endpoint.healthRequire === true,
      });
    }
    return this;
  }

  get version(): number {
    return this.compiled.version;
  }

  /** The most specific endpoint for host (lowercase, no port) and path (a `?query` is ignored). */
  match(host: string, path: string): RoutedEndpoint | undefined {
    const compiled = this.compiled.match(host, path);
    if (compiled === undefined) return undefined;
    let routed = this.routed.get(compiled);
    if (routed === undefined) {
      routed = { compiled, ...(this.views.get(compiled.endpoint) as EndpointView) };
      this.routed.set(compiled, routed);
    }
    return routed;
  }
}

/** `sb_route_<fnv-1a of the pattern, base 36>`: one cookie per sticky endpoint, stable across routers. */
export function stickyCookieName(pattern: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < pattern.length; i++) {
    hash ^= pattern.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `sb_route_${hash.toString(36)}`;
}

export interface TableStoreDeps {
  clock: Clock;
  random: () => number;
  /**
   * Told after every swap (pools of backends that left, stats of new backends), with the ids of
   * the backends added, changed or removed since the table before; undefined when not known
   * (the first table, or one applied without changes leading from the current one): then every
   * backend of `table` may be new.
   */
  onSwap?(table: RouterTable, changedBackends: readonly string[] | undefined): void;
}

/** What changed since an earlier table, as followRouteTables reports it. */
export type TableChangesFrom = Pick<RouteTableChanges, "from" | "endpoints" | "backends">;

export class TableStore {
  private table: RouterTable | undefined;
  private readonly filterState: FilterState;

  constructor(private readonly deps: TableStoreDeps) {
    this.filterState = new FilterState(deps.clock);
  }

  /** The table a new request is routed by; undefined until the first table was loaded. */
  current(): RouterTable | undefined {
    return this.table;
  }

  /**
   * Compiles `table` and makes it current, unless it is older than the current one or has the
   * same version and hash (nothing to do). With `changes` leading from the current table (its
   * hash is `changes.from.hash`), only what they touch is compiled again and the filter chains
   * of unchanged endpoints are kept; otherwise (the first table, a table skipped or rejected in
   * between) it compiles and builds in full. Throws what compileTable throws; the current stays.
   */
  apply(table: RouteTable, changes?: TableChangesFrom): RouterTable | undefined {
    const current = this.table?.compiled;
    if (current !== undefined && table.version < current.version) return undefined;
    // The same table read twice (start-up read, then the watch's first delivery): skip the compile.
    if (
      current !== undefined &&
      table.version === current.version &&
      table.generatedAt === current.table.generatedAt
    ) {
      return undefined;
    }
    const previous =
      current !== undefined && changes !== undefined && changes.from.hash === current.hash
        ? { compiled: current, changed: changes }
        : undefined;
    const compiled = compileTable(table, { random: this.deps.random }, previous);
    if (current !== undefined && compiled.version === current.version && compiled.hash === current.hash) {
      return undefined;
    }
    let next: RouterTable;
    if (previous !== undefined && this.table !== undefined) {
      // retain() keeps only the buckets asked for since the last retain, and the chains kept
      // here were not asked again: no retain (a removed endpoint's bucket waits for a full build).
      next = this.table.derive(compiled, this.filterState);
    } else {
      next = RouterTable.build(compiled, this.filterState);
      this.filterState.retain();
    }
    this.table = next;
    this.deps.onSwap?.(next, previous?.changed.backends);
    return next;
  }
}
