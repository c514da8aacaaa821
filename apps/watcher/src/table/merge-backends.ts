// Backends of every source joined by id: the first source in precedence order that has an id
// wins it and a repeat is a warning. Worked out per id, so a merge after a small change only
// looks at the ids that changed.
import type { Backend, BackendSource } from "@signalbox/route-model";
import { changedKeysIfSorted, findSorted } from "./sorted-entries.js";

const idOf = (backend: Backend) => backend.id;

/** One source's backends, sorted by id with each id once. */
export interface SourceBackends {
  source: BackendSource;
  backends: readonly Backend[];
}

/**
 * Ids (sorted) a source added, removed or changed since `before` (its last sorted list), and its
 * backends sorted by id with each id once: the array given when it is sorted already (providers
 * give them so), else a sorted copy keeping the first of a repeated id, with a warning per repeat.
 */
export function advanceBackends(
  source: BackendSource,
  before: readonly Backend[],
  after: readonly Backend[],
): { backends: readonly Backend[]; changed: string[]; warnings: string[] } {
  const changed = changedKeysIfSorted(before, after, idOf, sameBackend);
  if (changed !== undefined) return { backends: after, changed, warnings: [] };
  const sorted = [...after].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const unique: Backend[] = [];
  const warnings: string[] = [];
  for (const backend of sorted) {
    const first = unique.at(-1);
    if (first?.id === backend.id) warnings.push(repeatWarning(backend.id, source, first));
    else unique.push(backend);
  }
  return {
    backends: unique,
    changed: changedKeysIfSorted(before, unique, idOf, sameBackend) ?? [],
    warnings,
  };
}

/** The backend that wins `id` (sources in precedence order) and a warning per source that loses it. */
export function winnerOf(
  id: string,
  sources: readonly SourceBackends[],
): { backend: Backend | undefined; warnings: string[] } {
  let winner: Backend | undefined;
  const warnings: string[] = [];
  for (const { source, backends } of sources) {
    const backend = findSorted(backends, id, idOf);
    if (backend === undefined) continue;
    if (winner === undefined) winner = backend;
    else warnings.push(repeatWarning(id, source, winner));
  }
  return { backend: winner, warnings };
}

/** Same Backend fields (label and location keys in any order): what a table diff calls unchanged. */
export function sameBackend(a: Backend, b: Backend): boolean {
  return (
    a === b ||
    (a.id === b.id &&
      a.service === b.service &&
      a.address === b.address &&
      a.state === b.state &&
      a.source === b.source &&
      a.connectedAt === b.connectedAt &&
      a.load === b.load &&
      a.rps === b.rps &&
      a.weight === b.weight &&
      sameRecord(a.labels, b.labels) &&
      sameRecord(a.location, b.location))
  );
}

function sameRecord(a: object | undefined, b: object | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  let count = 0;
  for (const key in left) {
    if (left[key] === undefined) continue;
    if (left[key] !== right[key]) return false;
    count++;
  }
  for (const key in right) if (right[key] !== undefined) count--;
  return count === 0;
}

function repeatWarning(id: string, source: BackendSource, first: Backend): string {
  return `backend ${id}: from ${source} ignored, ${first.source} has this id`;
}
