// Endpoint -> route (weights, sticky cookie) -> backend (strategy), among available backends only.
// One RequestPick per request answers the strategies' PickContext from the request and BackendStats.

import type { Backend, CompiledRoute, PickContext } from "@signalbox/route-model";
import type { BackendStats } from "./backend-stats.js";
import { findHeader } from "./forward/headers.js";
import type { RoutedEndpoint } from "./table/table-store.js";

export interface Pick {
  route: CompiledRoute;
  backend: Backend;
}

/** The PickContext of one request; `exclude` holds the backends a retry must avoid. */
export class RequestPick implements PickContext {
  private exclude: string[] | undefined;
  private cookies: Map<string, string> | undefined;

  constructor(
    private readonly stats: BackendStats,
    private readonly endpoint: RoutedEndpoint,
    private readonly rawHeaders: readonly string[],
  ) {}

  isAvailable(backend: Backend): boolean {
    if (this.exclude?.includes(backend.id)) return false;
    return this.stats.isAvailable(backend, this.endpoint.healthRequire);
  }

  inFlight(backendId: string): number {
    return this.stats.inFlight(backendId);
  }

  slowStartFactor(backend: Backend): number {
    return this.stats.slowStartFactor(backend);
  }

  header(name: string): string | undefined {
    return findHeader(this.rawHeaders, name);
  }

  cookie(name: string): string | undefined {
    if (this.cookies === undefined) this.cookies = parseCookies(findHeader(this.rawHeaders, "cookie"));
    return this.cookies.get(name);
  }

  /**
   * Picks a route by weight (the sticky cookie's route first while its weight is > 0), then a
   * backend by the route's strategy; undefined when no route has an available backend.
   */
  pick(): Pick | undefined {
    const sticky = this.endpoint.stickyCookie;
    const preferred = sticky === undefined ? undefined : this.cookie(sticky);
    const route = this.endpoint.compiled.pickRoute(this.hasCandidates, preferred);
    if (route === undefined) return undefined;
    const backend = route.pickBackend(this);
    return backend === undefined ? undefined : { route, backend };
  }

  /** Picks again, never one of the backends already tried by this request. */
  pickAgain(tried: string): Pick | undefined {
    this.exclude ??= [];
    this.exclude.push(tried);
    return this.pick();
  }

  private readonly hasCandidates = (route: CompiledRoute): boolean => {
    for (const backend of route.backends) if (this.isAvailable(backend)) return true;
    return false;
  };
}

/** `a=1; b=2` -> Map; the first of repeated names wins (RFC 6265 5.4 order). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (header === undefined) return cookies;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}
