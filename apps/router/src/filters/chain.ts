// An endpoint's ordered filter chain, built once per table; rate-limit buckets outlive table swaps.

import type { Clock } from "@signalbox/backoff";
import type { Endpoint, FilterSpec } from "@signalbox/route-model";
import type { Filter, FilterOutcome, FilterRequest } from "./filter.js";
import { createRequestHeaders, createResponseHeaders } from "./header-rules.js";
import { createHsts } from "./hsts.js";
import { createRateLimit, TokenBuckets } from "./rate-limit.js";
import { createRedirectHttps } from "./redirect-https.js";
import { createStripPrefix } from "./strip-prefix.js";

export interface FilterChain {
  readonly empty: boolean;
  /** Runs each filter's onRequest in order; the first outcome ends the chain. */
  onRequest(req: FilterRequest): FilterOutcome | undefined;
  /** Runs each filter's onResponse in reverse order (the innermost filter sees the response first). */
  onResponse(headers: string[], req: FilterRequest): void;
}

/**
 * Rate-limit state by filter identity (endpoint pattern, position, rate, burst): a table swap that
 * keeps the filter keeps its buckets; `retain` forgets the filters the new table no longer has.
 */
export class FilterState {
  private buckets = new Map<string, TokenBuckets>();
  private next = new Map<string, TokenBuckets>();

  constructor(private readonly clock: Clock) {}

  bucketsFor(key: string, ratePerSecond: number, burst: number): TokenBuckets {
    const buckets =
      this.next.get(key) ?? this.buckets.get(key) ?? new TokenBuckets(ratePerSecond, burst, this.clock);
    this.next.set(key, buckets);
    return buckets;
  }

  /** Call after building every chain of a table: only the buckets asked for since the last call stay. */
  retain(): void {
    this.buckets = this.next;
    this.next = new Map();
  }
}

const EMPTY_CHAIN: FilterChain = { empty: true, onRequest: () => undefined, onResponse: () => {} };

/** Builds the chain for `endpoint`; `pathPrefix` is the prefix strip-prefix removes when its spec names none. */
export function createFilterChain(endpoint: Endpoint, pathPrefix: string, state: FilterState): FilterChain {
  if (endpoint.filters.length === 0) return EMPTY_CHAIN;
  const filters = endpoint.filters.map((spec, index) =>
    createFilter(spec, pathPrefix, () => `${endpoint.pattern}#${index}`, state),
  );
  const requestFilters = filters.filter((f) => f.onRequest !== undefined);
  const responseFilters = filters.filter((f) => f.onResponse !== undefined).reverse();
  return {
    empty: false,
    onRequest(req) {
      for (const filter of requestFilters) {
        const outcome = filter.onRequest?.(req);
        if (outcome !== undefined) return outcome;
      }
      return undefined;
    },
    onResponse(headers, req) {
      for (const filter of responseFilters) filter.onResponse?.(headers, req);
    },
  };
}

function createFilter(spec: FilterSpec, pathPrefix: string, key: () => string, state: FilterState): Filter {
  switch (spec.type) {
    case "strip-prefix":
      return createStripPrefix(spec.prefix ?? pathPrefix);
    case "request-headers":
      return createRequestHeaders(spec);
    case "response-headers":
      return createResponseHeaders(spec);
    case "redirect-https":
      return createRedirectHttps(spec.status);
    case "hsts":
      return createHsts(spec);
    case "rate-limit":
      return createRateLimit(
        state.bucketsFor(`${key()}:${spec.ratePerSecond}/${spec.burst}`, spec.ratePerSecond, spec.burst),
      );
  }
}
