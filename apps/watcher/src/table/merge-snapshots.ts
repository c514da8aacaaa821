// Merges the latest snapshot of every source into the endpoints and backends of one
// RouteTable, incrementally: a source's new snapshot is compared with its last one, and only
// the patterns and backend ids it touched are merged again; every other entry is the same
// object as in the previous merge (table diffs and hashes cache per object).
import {
  type Backend,
  type BackendSource,
  type Endpoint,
  parseEndpoint,
  type TableDiff,
} from "@signalbox/route-model";
import type { ProviderSnapshot } from "../providers/provider.js";
import { type SourceBackends, sameBackend, winnerOf } from "./merge-backends.js";
import { buildEndpoint, type EndpointContribution, messageOf } from "./merge-endpoint.js";
import { createRouteIdAllocator } from "./route-ids.js";
import { compareText, findSorted, patchSorted, unionSorted } from "./sorted-entries.js";
import { advanceSource, EMPTY_SOURCE, mergeOverrides, type SourceState } from "./source-state.js";

/** Who wins an endpoint setting (filters, sticky, healthRequire) or a backend id claimed twice. */
export const SOURCE_PRECEDENCE: readonly BackendSource[] = ["api", "file", "marathon", "agent"];

export interface MergedTable {
  /** Sorted by pattern; each endpoint's routes sorted by id. */
  endpoints: Endpoint[];
  /** Sorted by id. */
  backends: Backend[];
  warnings: string[];
  /**
   * The keys whose entry differs from `since` (the previous merge's lists), as diffTables
   * would list them; undefined when everything was merged again (the first merge, new ids).
   */
  changes?: { since: { endpoints: Endpoint[]; backends: Backend[] }; diff: TableDiff };
}

export interface SnapshotMerger {
  /**
   * Endpoint settings come from the first source in SOURCE_PRECEDENCE that sets any for the endpoint
   * (a differing setting from a later one is a warning); routes of every source are kept. A
   * backend id claimed by two sources goes to the first. `weightOverrides` (pattern ->
   * routeId -> weight) apply once ids are assigned. An endpoint that fails validation is
   * left out with a warning naming it; nothing here throws for bad input. An entry equal
   * to the one of the previous merge is that same object. Snapshots are immutable: one is
   * compared with the source's last one only when it is a different object.
   */
  merge(snapshots: readonly ProviderSnapshot[]): MergedTable;
  /**
   * Replaces the remembered route ids (a new leader adopts those of the table it continues);
   * the next merge builds every entry again.
   */
  seedIds(seed: ReadonlyMap<string, ReadonlyMap<string, string>>): void;
}

export interface SnapshotMergerOptions {
  /** Applied to each winning backend (connectedAt as published); must give equal results for equal input. */
  adjustBackend?: (backend: Backend) => Backend;
  /** Why a backend must not be in the table (a denied address), or undefined; it is left out with that warning. */
  refuseBackend?: (backend: Backend) => string | undefined;
}

interface EndpointState {
  /** JSON of the validated endpoint. */
  json: string;
  endpoint: Endpoint;
}

const patternOf = (endpoint: Endpoint) => endpoint.pattern;
const idOf = (backend: Backend) => backend.id;

export function createSnapshotMerger(opts: SnapshotMergerOptions = {}): SnapshotMerger {
  const adjust = opts.adjustBackend ?? ((backend: Backend) => backend);
  const refuse = opts.refuseBackend ?? (() => undefined);
  const ids = createRouteIdAllocator();
  let sources = new Map<BackendSource, SourceState>();
  let endpoints: Endpoint[] = [];
  let backends: Backend[] = [];
  let endpointStates = new Map<string, EndpointState>();
  /** Only the patterns and ids that have warnings. */
  let patternWarnings = new Map<string, string[]>();
  let backendWarnings = new Map<string, string[]>();
  let overrides = new Map<string, Map<string, { weight: number; written: string }>>();
  let whole = true;

  return {
    seedIds(seed) {
      ids.reset(seed);
      whole = true;
    },
    merge(snapshots) {
      const ordered = [...snapshots].sort(
        (a, b) => SOURCE_PRECEDENCE.indexOf(a.source) - SOURCE_PRECEDENCE.indexOf(b.source),
      );
      const nextSources = new Map<BackendSource, SourceState>();
      const touchedIds: string[][] = [];
      const touchedPatterns = new Set<string>();
      let overridesMoved = false;
      for (const snapshot of ordered) {
        const before = sources.get(snapshot.source);
        if (!whole && before?.snapshot === snapshot) {
          nextSources.set(snapshot.source, before);
          continue;
        }
        const advanced = advanceSource(whole || before === undefined ? EMPTY_SOURCE : before, snapshot);
        nextSources.set(snapshot.source, advanced.state);
        touchedIds.push(advanced.ids);
        for (const pattern of advanced.patterns) touchedPatterns.add(pattern);
        overridesMoved ||= advanced.overridesMoved;
      }
      for (const [source, before] of sources) {
        if (nextSources.has(source)) continue;
        // A source no longer passed in: everything it had is gone.
        touchedIds.push(before.backends.map(idOf));
        for (const pattern of before.endpoints.byPattern.keys()) touchedPatterns.add(pattern);
        overridesMoved ||= before.overrides.overrides.size > 0;
      }
      sources = nextSources;
      const states = [...sources.values()];
      if (overridesMoved || whole) {
        const merged = mergeOverrides(states);
        for (const pattern of [...overrides.keys(), ...merged.keys()]) touchedPatterns.add(pattern);
        overrides = merged;
      }
      const rebuilt = whole;
      if (whole) {
        endpoints = [];
        backends = [];
        endpointStates = new Map();
        patternWarnings = new Map();
        backendWarnings = new Map();
        ids.retain(touchedPatterns);
        whole = false;
      }

      // Backends: the winner of each touched id, kept as the same object when equal.
      const sourceBackends: SourceBackends[] = states.map(({ snapshot, backends }) => ({
        source: snapshot.source,
        backends,
      }));
      const backendUpdates: { key: string; item: Backend | undefined }[] = [];
      for (const id of unionSorted(touchedIds)) {
        const { backend: candidate, warnings } = winnerOf(id, sourceBackends);
        const refusal = candidate && refuse(candidate);
        if (refusal !== undefined) warnings.push(refusal);
        const winner = refusal === undefined ? candidate : undefined;
        if (warnings.length > 0) backendWarnings.set(id, warnings);
        else backendWarnings.delete(id);
        const before = findSorted(backends, id, idOf);
        const after = winner === undefined ? undefined : adjust(winner);
        if (before === after || (before && after && sameBackend(before, after))) continue;
        backendUpdates.push({ key: id, item: after });
      }

      // Endpoints: each touched pattern built again, kept as the same object when equal.
      const endpointUpdates: { key: string; item: Endpoint | undefined }[] = [];
      for (const pattern of [...touchedPatterns].sort(compareText)) {
        const contributions: EndpointContribution[] = [];
        for (const state of states) {
          const theirs = state.endpoints.byPattern.get(pattern);
          if (theirs) contributions.push({ source: state.snapshot.source, endpoints: theirs });
        }
        const { built, warnings } = buildEndpoint(pattern, contributions, overrides.get(pattern), ids);
        if (built === undefined) ids.forget(pattern);
        const before = endpointStates.get(pattern);
        const after = built && validate(pattern, built, before, warnings);
        if (after) endpointStates.set(pattern, after);
        else endpointStates.delete(pattern);
        if (warnings.length > 0) patternWarnings.set(pattern, warnings);
        else patternWarnings.delete(pattern);
        if (before?.endpoint !== after?.endpoint)
          endpointUpdates.push({ key: pattern, item: after?.endpoint });
      }

      const since = { endpoints, backends };
      const patchedEndpoints = patchSorted(endpoints, endpointUpdates, patternOf);
      backends = patchSorted(backends, backendUpdates, idOf);
      endpoints = patchedEndpoints;
      return {
        endpoints,
        backends,
        warnings: [
          ...states.flatMap((state) => [
            ...state.endpoints.warnings,
            ...state.backendWarnings,
            ...state.overrides.warnings,
          ]),
          ...[...patternWarnings.keys()].sort(compareText).flatMap((p) => patternWarnings.get(p) ?? []),
          ...[...backendWarnings.keys()].sort(compareText).flatMap((id) => backendWarnings.get(id) ?? []),
        ],
        ...(!rebuilt && { changes: { since, diff: diffOf(endpointUpdates, backendUpdates) } }),
      };
    },
  };
}

/**
 * The validated endpoint (the previous object when its content is the same), or undefined with
 * a warning naming the pattern added to `warnings` when it does not validate.
 */
function validate(
  pattern: string,
  built: Endpoint,
  before: EndpointState | undefined,
  warnings: string[],
): EndpointState | undefined {
  let endpoint: Endpoint;
  try {
    endpoint = parseEndpoint(built, `endpoint ${pattern}`);
  } catch (error) {
    warnings.push(`endpoint ${pattern} left out: ${messageOf(error)}`);
    return undefined;
  }
  const json = JSON.stringify(endpoint);
  return before?.json === json ? before : { json, endpoint };
}

function diffOf(
  endpointUpdates: readonly { key: string; item: Endpoint | undefined }[],
  backendUpdates: readonly { key: string; item: Backend | undefined }[],
): TableDiff {
  return {
    changedEndpoints: endpointUpdates.filter((update) => update.item).map((update) => update.key),
    removedEndpoints: endpointUpdates.filter((update) => !update.item).map((update) => update.key),
    changedBackends: backendUpdates.filter((update) => update.item).map((update) => update.key),
    removedBackends: backendUpdates.filter((update) => !update.item).map((update) => update.key),
  };
}
