// Merges the latest snapshot of every source into the endpoints and backends of one
// RouteTable: endpoints joined by normalised pattern, route ids assigned, weight
// overrides applied, each endpoint validated; conflicts become warnings.
import {
  type Backend,
  type BackendSource,
  type Endpoint,
  normalizePattern,
  parseEndpoint,
  type Route,
} from "@signalbox/route-model";
import type { ProviderRoute, ProviderSnapshot } from "../providers/provider.js";
import type { RouteIdAllocator } from "./route-ids.js";

/** Who wins an endpoint setting (filters, sticky, healthRequire) or a backend id claimed twice. */
export const SOURCE_PRECEDENCE: readonly BackendSource[] = ["api", "file", "marathon", "agent"];

export interface MergedTable {
  /** Sorted by pattern; each endpoint's routes sorted by id. */
  endpoints: Endpoint[];
  /** Sorted by id. */
  backends: Backend[];
  warnings: string[];
}

interface EndpointDraft {
  settings: Omit<Endpoint, "routes" | "pattern">;
  settingsFrom: BackendSource;
  routes: ProviderRoute[];
}

/**
 * Endpoint settings come from the first source in SOURCE_PRECEDENCE that sets any for the endpoint
 * (a differing setting from a later one is a warning); routes of every source are kept. A
 * backend id claimed by two sources goes to the first. `weightOverrides` (pattern ->
 * routeId -> weight) apply after ids are assigned. An endpoint that fails validation is
 * left out with a warning naming it; nothing here throws for bad input.
 */
export function mergeSnapshots(snapshots: readonly ProviderSnapshot[], ids: RouteIdAllocator): MergedTable {
  const ordered = [...snapshots].sort(
    (a, b) => SOURCE_PRECEDENCE.indexOf(a.source) - SOURCE_PRECEDENCE.indexOf(b.source),
  );
  const warnings: string[] = [];
  const drafts = new Map<string, EndpointDraft>();
  const backends = new Map<string, Backend>();
  for (const snapshot of ordered) {
    for (const endpoint of snapshot.endpoints) {
      let pattern: string;
      try {
        pattern = normalizePattern(endpoint.pattern);
      } catch (error) {
        warnings.push(`${snapshot.source}: endpoint "${endpoint.pattern}" left out: ${messageOf(error)}`);
        continue;
      }
      const { routes, pattern: _written, ...settings } = endpoint;
      const draft = drafts.get(pattern);
      if (!draft) {
        drafts.set(pattern, { settings, settingsFrom: snapshot.source, routes: [...routes] });
        continue;
      }
      if (!hasSettings(draft.settings) && hasSettings(settings)) {
        // A source that set nothing (an API route added without --filters) defines nothing.
        Object.assign(draft, { settings, settingsFrom: snapshot.source });
      } else if (JSON.stringify(settings) !== JSON.stringify(draft.settings) && hasSettings(settings)) {
        warnings.push(
          `endpoint ${pattern}: ${snapshot.source} settings ignored, ${draft.settingsFrom} defines this endpoint's filters`,
        );
      }
      draft.routes.push(...routes);
    }
    for (const backend of snapshot.backends) {
      const first = backends.get(backend.id);
      if (first)
        warnings.push(`backend ${backend.id}: from ${snapshot.source} ignored, ${first.source} has this id`);
      else backends.set(backend.id, backend);
    }
  }

  const endpoints: Endpoint[] = [];
  for (const [pattern, draft] of drafts) {
    const routes = uniqueRoutes(pattern, draft.routes, warnings);
    const routeIds = ids.assign(pattern, routes);
    const built: Endpoint = {
      pattern,
      ...draft.settings,
      routes: routes
        .map((route, i): Route => {
          const { key: _key, id: _id, ...rest } = route;
          return { id: routeIds[i] as string, ...rest };
        })
        .sort((a, b) => compareText(a.id, b.id)),
    };
    try {
      endpoints.push(parseEndpoint(built, `endpoint ${pattern}`));
    } catch (error) {
      warnings.push(`endpoint ${pattern} left out: ${messageOf(error)}`);
    }
  }
  ids.retain(new Set(drafts.keys()));
  applyWeightOverrides(ordered, endpoints, warnings);
  return {
    endpoints: endpoints.sort((a, b) => compareText(a.pattern, b.pattern)),
    backends: [...backends.values()].sort((a, b) => compareText(a.id, b.id)),
    warnings,
  };
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

function applyWeightOverrides(
  snapshots: ProviderSnapshot[],
  endpoints: Endpoint[],
  warnings: string[],
): void {
  const byPattern = new Map(endpoints.map((endpoint) => [endpoint.pattern, endpoint]));
  for (const snapshot of snapshots) {
    for (const [written, weights] of Object.entries(snapshot.weightOverrides ?? {})) {
      let endpoint: Endpoint | undefined;
      try {
        endpoint = byPattern.get(normalizePattern(written));
      } catch {
        endpoint = undefined;
      }
      for (const [routeId, weight] of Object.entries(weights)) {
        const route = endpoint?.routes.find((candidate) => candidate.id === routeId);
        if (!route) warnings.push(`weight override ${written} ${routeId}: no such route; ignored`);
        else if (!Number.isInteger(weight) || weight < 0 || weight > 10_000) {
          warnings.push(`weight override ${written} ${routeId}: ${weight} is not 0..10000; ignored`);
        } else route.weight = weight;
      }
    }
  }
}

function hasSettings(settings: Omit<Endpoint, "routes" | "pattern">): boolean {
  return settings.filters.length > 0 || settings.sticky !== undefined || settings.healthRequire !== undefined;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
