// Holds the one compiled table requests are routed by and swaps it atomically: a request reads
// `current()` once at its start and is routed by that table to the end, old or new, never a mix.

import type { Clock } from "@signalbox/backoff";
import {
  type CompiledEndpoint,
  type CompiledTable,
  compileTable,
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

/** An immutable snapshot: the compiled table and the router's view of each endpoint. */
export class RouterTable {
  private readonly routed = new Map<CompiledEndpoint, RoutedEndpoint>();

  constructor(
    readonly compiled: CompiledTable,
    filterState: FilterState,
  ) {
    for (const endpoint of compiled.endpoints) {
      const pathPrefix = endpoint.pattern.pathPrefix;
      this.routed.set(endpoint, {
        compiled: endpoint,
        filters: createFilterChain(endpoint.endpoint, pathPrefix, filterState),
        stickyCookie: endpoint.endpoint.sticky ? stickyCookieName(endpoint.endpoint.pattern) : undefined,
        cookiePath: pathPrefix,
        healthRequire: endpoint.endpoint.healthRequire === true,
      });
    }
  }

  get version(): number {
    return this.compiled.version;
  }

  /** The most specific endpoint for host (lowercase, no port) and path (a `?query` is ignored). */
  match(host: string, path: string): RoutedEndpoint | undefined {
    const endpoint = this.compiled.match(host, path);
    return endpoint === undefined ? undefined : this.routed.get(endpoint);
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
  /** Told after every swap (pools of backends that left, stats of new backends). */
  onSwap?(table: RouterTable): void;
}

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
   * same version and hash (nothing to do). Throws what compileTable throws; the current table stays.
   */
  apply(table: RouteTable): RouterTable | undefined {
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
    const compiled = compileTable(table, { random: this.deps.random });
    if (current !== undefined && compiled.version === current.version && compiled.hash === current.hash) {
      return undefined;
    }
    const next = new RouterTable(compiled, this.filterState);
    this.filterState.retain();
    this.table = next;
    this.deps.onSwap?.(next);
    return next;
  }
}
