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
import { createRouteIdAllocator } from "./route-ids.js";

/** Who wins an endpoint setting (filters, sticky, healthRequire) or a backend id claimed twice. */
export const SOURCE_PRECEDENCE: readonly BackendSource[] = ["api", "file", "marathon", "agent"];

export interface MergedTable {
  /** Sorted by pattern; each endpoint's routes sorted by id. */
  endpoints: Endpoint[];
  /** Sorted by id. */
  backends: Backend[];
  warnings: string[];
}

export interface SnapshotMerger {
  /**
   * Endpoint settings come from the first source in SOURCE_PRECEDENCE that sets any for the endpoint
   * (a differing setting from a later one is a warning); routes of every source are kept. A
   * backend id claimed by two sources goes to the first. `weightOverrides` (pattern ->
   * routeId -> weight) apply once ids are assigned. An endpoint that fails validation is
   * left out with a warning naming it; nothing here throws for bad input. An endpoint equal
   * to the one of the previous merge is that same object, so diffing the tables stays cheap.
   */
  merge(snapshots: readonly ProviderSnapshot[]): MergedTable;
  /** Replaces the remembered route ids (a new leader adopts those of the table it continues). */
  seedIds(seed: ReadonlyMap<string, ReadonlyMap<string, string>>): void;
}

interface EndpointDraft {
  settings: Omit<Endpoint, "routes" | "pattern">;
  settingsFrom: BackendSource;
  routes: ProviderRoute[];
}

type Overrides = Map<string, Map<string, { weight: number; written: string }>>;

export function createSnapshotMerger(): SnapshotMerger {
  const ids = createRouteIdAllocator();
  /** Last merge's endpoint per pattern, with the JSON it was validated from. */
  let previous = new Map<string, { json: string; endpoint: Endpoint }>();

  return {
    seedIds: (seed) => ids.reset(seed),
    merge(snapshots) {
      const ordered = [...snapshots].sort(
        (a, b) => SOURCE_PRECEDENCE.indexOf(a.source) - SOURCE_PRECEDENCE.indexOf(b.source),
      );
      const warnings: string[] = [];
      const drafts = draftEndpoints(ordered, warnings);
      const overrides = collectOverrides(ordered, warnings);
      const endpoints: Endpoint[] = [];
      const next = new Map<string, { json: string; endpoint: Endpoint }>();
      for (const [pattern, draft] of drafts) {
        const routes = uniqueRoutes(pattern, draft.routes, warnings);
        const routeIds = ids.assign(pattern, routes);
        const weights = overrides.get(pattern);
        const built: Endpoint = {
          pattern,
          ...draft.settings,
          routes: routes
            .map((route, i): Route => {
              const { key: _key, id: _id, ...rest } = route;
              const id = routeIds[i] as string;
              const override = weights?.get(id);
              weights?.delete(id);
              return { id, ...rest, ...(override ? { weight: override.weight } : {}) };
            })
            .sort((a, b) => compareText(a.id, b.id)),
        };
        for (const [routeId, { written }] of weights ?? []) {
          warnings.push(`weight override ${written} ${routeId}: no such route; ignored`);
        }
        overrides.delete(pattern);
        const json = JSON.stringify(built);
        const cached = previous.get(pattern);
        if (cached?.json === json) {
          endpoints.push(cached.endpoint);
          next.set(pattern, cached);
          continue;
        }
        try {
          const endpoint = parseEndpoint(built, `endpoint ${pattern}`);
          endpoints.push(endpoint);
          next.set(pattern, { json, endpoint });
        } catch (error) {
          warnings.push(`endpoint ${pattern} left out: ${messageOf(error)}`);
        }
      }
      for (const [, weights] of overrides) {
        for (const [routeId, { written }] of weights) {
          warnings.push(`weight override ${written} ${routeId}: no such endpoint; ignored`);
        }
      }
      ids.retain(new Set(drafts.keys()));
      previous = next;
      return {
        endpoints: endpoints.sort((a, b) => compareText(a.pattern, b.pattern)),
        backends: mergeBackends(ordered, warnings),
        warnings,
      };
    },
  };
}

function draftEndpoints(
  snapshots: readonly ProviderSnapshot[],
  warnings: string[],
): Map<string, EndpointDraft> {
  const drafts = new Map<string, EndpointDraft>();
  for (const snapshot of snapshots) {
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
      } else if (hasSettings(settings) && JSON.stringify(settings) !== JSON.stringify(draft.settings)) {
        warnings.push(
          `endpoint ${pattern}: ${snapshot.source} settings ignored, ${draft.settingsFrom} defines this endpoint's filters`,
        );
      }
      draft.routes.push(...routes);
    }
  }
  return drafts;
}

/** Backends of every source by id, sorted; a repeat id is a warning and the first one stays. */
function mergeBackends(snapshots: readonly ProviderSnapshot[], warnings: string[]): Backend[] {
  const backends = new Map<string, Backend>();
  for (const snapshot of snapshots) {
    for (const backend of snapshot.backends) {
      const first = backends.get(backend.id);
      if (first)
        warnings.push(`backend ${backend.id}: from ${snapshot.source} ignored, ${first.source} has this id`);
      else backends.set(backend.id, backend);
    }
  }
  const merged = [...backends.values()];
  // One source (or several in order) is usually sorted already: check before sorting 100k ids.
  for (let i = 1; i < merged.length; i++) {
    if (compareText((merged[i - 1] as Backend).id, (merged[i] as Backend).id) > 0) {
      return merged.sort((a, b) => compareText(a.id, b.id));
    }
  }
  return merged;
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

/** Valid overrides by normalised pattern and route id; a bad pattern or weight is a warning. */
function collectOverrides(snapshots: readonly ProviderSnapshot[], warnings: string[]): Overrides {
  const overrides: Overrides = new Map();
  for (const snapshot of snapshots) {
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
  }
  return overrides;
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
