// What the merger keeps of each source's last snapshot, and what a new snapshot of the source
// touched: the backend ids and endpoint patterns to merge again. A snapshot is immutable, so
// parts of it that are the same objects as last time cost nothing to compare.
import { type Backend, normalizePattern } from "@signalbox/route-model";
import type { ProviderEndpoint, ProviderSnapshot } from "../providers/provider.js";
import { advanceBackends } from "./merge-backends.js";
import { messageOf, readOverrides } from "./merge-endpoint.js";

/** What the merger keeps of one source's last snapshot. */
export interface SourceState {
  snapshot: ProviderSnapshot;
  /** Sorted by id, each id once. */
  backends: readonly Backend[];
  backendWarnings: string[];
  endpoints: GroupedEndpoints;
  overrides: ReturnType<typeof readOverrides>;
}

export interface GroupedEndpoints {
  /** Normalised pattern -> the source's endpoints with it, in its order. */
  byPattern: Map<string, ProviderEndpoint[]>;
  /** Pattern as written -> normalised (undefined when it does not normalise). */
  normalised: Map<string, string | undefined>;
  warnings: string[];
}

export interface SourceChange {
  state: SourceState;
  /** Backend ids added, removed or changed, sorted. */
  ids: string[];
  /** Normalised patterns whose endpoints were added, removed or changed. */
  patterns: string[];
  /** The weight overrides changed. */
  overridesMoved: boolean;
}

/** The state before a source's first snapshot. */
export const EMPTY_SOURCE: SourceState = {
  snapshot: { source: "api", endpoints: [], backends: [], warnings: [] },
  backends: [],
  backendWarnings: [],
  endpoints: { byPattern: new Map(), normalised: new Map(), warnings: [] },
  overrides: { overrides: new Map(), warnings: [] },
};
/** JSON of provider endpoints, per object (snapshots are immutable). */
const endpointJson = new WeakMap<ProviderEndpoint, string>();

/**
 * The state of a source after `snapshot`, and the backend ids (sorted) and patterns it touched
 * since `previous` (EMPTY_SOURCE to touch everything it has); parts of the snapshot that are the
 * same objects as in the previous one are taken as they are.
 */
export function advanceSource(previous: SourceState, snapshot: ProviderSnapshot): SourceChange {
  const backends =
    snapshot.backends === previous.snapshot.backends
      ? { backends: previous.backends, changed: [], warnings: previous.backendWarnings }
      : advanceBackends(snapshot.source, previous.backends, snapshot.backends);
  const sameEndpoints = snapshot.endpoints === previous.snapshot.endpoints;
  const endpoints = sameEndpoints
    ? previous.endpoints
    : groupEndpoints(snapshot, previous.endpoints.normalised);
  const sameOverrides = snapshot.weightOverrides === previous.snapshot.weightOverrides;
  const overridesOf = sameOverrides ? previous.overrides : readOverrides(snapshot);
  const state: SourceState = {
    snapshot,
    backends: backends.backends,
    backendWarnings: backends.warnings,
    endpoints,
    overrides: overridesOf,
  };
  return {
    state,
    ids: backends.changed,
    patterns: sameEndpoints ? [] : changedPatterns(previous.endpoints.byPattern, endpoints.byPattern),
    overridesMoved:
      !sameOverrides && (previous.overrides.overrides.size > 0 || overridesOf.overrides.size > 0),
  };
}

/** The source's endpoints by normalised pattern; `known` saves normalising patterns seen before. */
function groupEndpoints(
  snapshot: ProviderSnapshot,
  known: ReadonlyMap<string, string | undefined>,
): GroupedEndpoints {
  const byPattern = new Map<string, ProviderEndpoint[]>();
  const normalised = new Map<string, string | undefined>();
  const warnings: string[] = [];
  for (const endpoint of snapshot.endpoints) {
    const written = endpoint.pattern;
    let pattern = normalised.has(written) ? normalised.get(written) : known.get(written);
    if (pattern === undefined && !normalised.has(written)) {
      try {
        pattern = normalizePattern(written);
      } catch (error) {
        warnings.push(`${snapshot.source}: endpoint "${written}" left out: ${messageOf(error)}`);
      }
    }
    normalised.set(written, pattern);
    if (pattern === undefined) continue;
    const list = byPattern.get(pattern);
    if (list) list.push(endpoint);
    else byPattern.set(pattern, [endpoint]);
  }
  return { byPattern, normalised, warnings };
}

/** Patterns whose endpoints differ between two groupings of one source. */
function changedPatterns(
  before: ReadonlyMap<string, ProviderEndpoint[]>,
  after: ReadonlyMap<string, ProviderEndpoint[]>,
): string[] {
  const changed: string[] = [];
  for (const [pattern, theirs] of after) {
    const old = before.get(pattern);
    if (old === undefined || !sameEndpoints(old, theirs)) changed.push(pattern);
  }
  for (const pattern of before.keys()) if (!after.has(pattern)) changed.push(pattern);
  return changed;
}

function sameEndpoints(a: readonly ProviderEndpoint[], b: readonly ProviderEndpoint[]): boolean {
  return (
    a.length === b.length &&
    a.every((endpoint, i) => endpoint === b[i] || jsonOf(endpoint) === jsonOf(b[i] as ProviderEndpoint))
  );
}

function jsonOf(endpoint: ProviderEndpoint): string {
  let json = endpointJson.get(endpoint);
  if (json === undefined) {
    json = JSON.stringify(endpoint);
    endpointJson.set(endpoint, json);
  }
  return json;
}

/** Every source's overrides, sources in precedence order: the first override of a route wins. */
export function mergeOverrides(states: readonly SourceState[]): SourceState["overrides"]["overrides"] {
  const merged: SourceState["overrides"]["overrides"] = new Map();
  for (const state of states) {
    for (const [pattern, byRoute] of state.overrides.overrides) {
      const into = merged.get(pattern) ?? new Map();
      merged.set(pattern, into);
      for (const [routeId, override] of byRoute) if (!into.has(routeId)) into.set(routeId, override);
    }
  }
  return merged;
}
