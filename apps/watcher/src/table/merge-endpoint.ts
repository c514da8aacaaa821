// One endpoint of the merged table, built from what every source says about its pattern:
// settings from the first source by precedence that sets any, routes of every source with
// their `routeNNN` ids, and the control API's weight overrides.
import { type BackendSource, type Endpoint, normalizePattern, type Route } from "@signalbox/route-model";
import type { ProviderEndpoint, ProviderRoute, ProviderSnapshot } from "../providers/provider.js";
import type { RouteIdAllocator } from "./route-ids.js";
import { compareText } from "./sorted-entries.js";

/** What one source says about a pattern: its endpoints with that normalised pattern, in its order. */
export interface EndpointContribution {
  source: BackendSource;
  endpoints: readonly ProviderEndpoint[];
}

/** A valid weight override: routeId -> weight, with the pattern as the source wrote it. */
export type PatternOverrides = ReadonlyMap<string, { weight: number; written: string }>;

/**
 * The endpoint for `pattern` from the contributions (in precedence order), not validated yet,
 * or undefined when none has it; warnings name the pattern: settings a later source loses,
 * repeated routes, overrides of routes or endpoints that do not exist.
 */
export function buildEndpoint(
  pattern: string,
  contributions: readonly EndpointContribution[],
  overrides: PatternOverrides | undefined,
  ids: RouteIdAllocator,
): { built: Endpoint | undefined; warnings: string[] } {
  const warnings: string[] = [];
  let settings: Omit<Endpoint, "routes" | "pattern"> | undefined;
  let settingsFrom: BackendSource | undefined;
  const providerRoutes: ProviderRoute[] = [];
  for (const { source, endpoints } of contributions) {
    for (const endpoint of endpoints) {
      const { routes, pattern: _written, ...theirs } = endpoint;
      providerRoutes.push(...routes);
      if (settings === undefined || (!hasSettings(settings) && hasSettings(theirs))) {
        // A source that set nothing (an API route added without --filters) defines nothing.
        settings = theirs;
        settingsFrom = source;
      } else if (hasSettings(theirs) && JSON.stringify(theirs) !== JSON.stringify(settings)) {
        warnings.push(
          `endpoint ${pattern}: ${source} settings ignored, ${settingsFrom} defines this endpoint's filters`,
        );
      }
    }
  }
  if (settings === undefined) {
    for (const [routeId, { written }] of overrides ?? []) {
      warnings.push(`weight override ${written} ${routeId}: no such endpoint; ignored`);
    }
    return { built: undefined, warnings };
  }
  const routes = uniqueRoutes(pattern, providerRoutes, warnings);
  const routeIds = ids.assign(pattern, routes);
  const unused = new Map(overrides);
  const built: Endpoint = {
    pattern,
    ...settings,
    routes: routes
      .map((route, i): Route => {
        const { key: _key, id: _id, ...rest } = route;
        const id = routeIds[i] as string;
        const override = overrides?.get(id);
        unused.delete(id);
        return { id, ...rest, ...(override ? { weight: override.weight } : {}) };
      })
      .sort((a, b) => compareText(a.id, b.id)),
  };
  for (const [routeId, { written }] of unused) {
    warnings.push(`weight override ${written} ${routeId}: no such route; ignored`);
  }
  return { built, warnings };
}

/**
 * A snapshot's weight overrides by normalised pattern and route id; a bad pattern or weight is a
 * warning. Of a route overridden twice the first is kept.
 */
export function readOverrides(snapshot: ProviderSnapshot): {
  overrides: Map<string, Map<string, { weight: number; written: string }>>;
  warnings: string[];
} {
  const overrides = new Map<string, Map<string, { weight: number; written: string }>>();
  const warnings: string[] = [];
  for (const [written, weights] of Object.entries(snapshot.weightOverrides ?? {})) {
    let pattern: string;
    try {
      pattern = normalizePattern(written);
    } catch (error) {
      warnings.push(`weight override ${written}: ${messageOf(error)}; ignored`);
      continue;
    }
    const byRoute = overrides.get(pattern) ?? new Map();
    overrides.set(pattern, byRoute);
    for (const [routeId, weight] of Object.entries(weights)) {
      if (!Number.isInteger(weight) || weight < 0 || weight > 10_000) {
        warnings.push(`weight override ${written} ${routeId}: ${weight} is not 0..10000; ignored`);
      } else if (!byRoute.has(routeId)) {
        byRoute.set(routeId, { weight, written });
      }
    }
  }
  return { overrides, warnings };
}

/** One route per key and per pinned id: the first one wins, a repeat is a warning. */
function uniqueRoutes(pattern: string, routes: ProviderRoute[], warnings: string[]): ProviderRoute[] {
  const keys = new Set<string>();
  const pinned = new Set<string>();
  return routes.filter((route) => {
    if (keys.has(route.key) || (route.id !== undefined && pinned.has(route.id))) {
      warnings.push(`endpoint ${pattern}: route ${route.id ?? route.key} repeated; the first one is used`);
      return false;
    }
    keys.add(route.key);
    if (route.id !== undefined) pinned.add(route.id);
    return true;
  });
}

function hasSettings(settings: Omit<Endpoint, "routes" | "pattern">): boolean {
  return (
    settings.filters.length > 0 ||
    settings.sticky !== undefined ||
    settings.healthRequire !== undefined ||
    settings.tls !== undefined
  );
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
