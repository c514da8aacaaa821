// The hash of each table the builder publishes, followed change by change (a TableHashState
// per table) instead of summing every entry of a 100k-backend table again.
import type { Backend, Endpoint, RouteTable, TableDiff } from "@signalbox/route-model";
import { TableHashState } from "@signalbox/route-model";
import { findSorted } from "./sorted-entries.js";

const patternOf = (endpoint: Endpoint) => endpoint.pattern;
const idOf = (backend: Backend) => backend.id;

/**
 * The hash state of `next`: `before` (the state of `prev`) with the entries `diff`
 * (diffTables(prev, next)) names taken out of `prev` and put in from `next`, both tables sorted
 * by key as the builder makes them; built from `next` alone without `before`.
 */
export function hashStateOf(
  next: RouteTable,
  from?: { before: TableHashState; prev: RouteTable; diff: TableDiff },
): TableHashState {
  if (!from) return TableHashState.of(next);
  const { prev, diff } = from;
  const state = from.before.clone();
  for (const pattern of [...diff.changedEndpoints, ...diff.removedEndpoints]) {
    const old = findSorted(prev.endpoints, pattern, patternOf);
    if (old) state.removeEndpoint(old);
  }
  for (const pattern of diff.changedEndpoints) {
    const added = findSorted(next.endpoints, pattern, patternOf);
    if (added) state.addEndpoint(added);
  }
  for (const id of [...diff.changedBackends, ...diff.removedBackends]) {
    const old = findSorted(prev.backends, id, idOf);
    if (old) state.removeBackend(old);
  }
  for (const id of diff.changedBackends) {
    const added = findSorted(next.backends, id, idOf);
    if (added) state.addBackend(added);
  }
  return state;
}
