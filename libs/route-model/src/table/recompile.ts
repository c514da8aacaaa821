// Incremental compile: a table compiled from the one compiled before it and the keys that changed
// in between. Only the endpoints and routes the changes touch are compiled again; the rest of the
// compiled table (endpoints, routes, pattern index, backends, selections) is shared.

import type { Backend, Route, RouteTable } from "../model/types.js";
import { matchesSelector } from "../selector/match.js";
import { compareIds, mergeById } from "./backend-set.js";
import { compareText } from "./canonical.js";
import type { CompiledRoute, CompiledTable, TableChanges } from "./compile.js";
import { compileEndpointSlot, type EndpointSlot, type Selection, sameRouteSpec } from "./compile-endpoint.js";
import {
  assembleTable,
  type CompileState,
  indexPatterns,
  noteSlotSelectors,
  positionsOf,
  selectionsFrom,
  selectorIndexOf,
  slotsUsing,
  stateOf,
} from "./compile-state.js";
import { backendDigest, sameDigest } from "./entry-digest.js";

/** A backend's content before and after the change (undefined: absent). */
interface BackendChange {
  before: Backend | undefined;
  after: Backend | undefined;
}

/** Past this share of the backends changed (and this many), a full compile costs about the same. */
const FULL_COMPILE_SHARE = 1 / 4;
const FULL_COMPILE_MIN = 64;

/**
 * `table` compiled from `previous` (see compileTable), or undefined when a full compile is needed:
 * `previous` was not compiled here, too many backends changed, or `changed` does not add up to
 * `table` (the endpoint and backend counts are checked; `table.backends` is searched by binary
 * search, so backends not sorted by id show up as a count that does not match).
 */
export function recompileTable(
  table: RouteTable,
  deps: { random: () => number },
  previous: CompiledTable,
  changed: TableChanges,
): CompiledTable | undefined {
  const state = stateOf(previous);
  if (state === undefined) return undefined;
  if (changed.backends.length > Math.max(FULL_COMPILE_MIN, state.backends.size * FULL_COMPILE_SHARE)) {
    return undefined;
  }
  const backendChanges = findBackendChanges(table.backends, state, changed.backends);
  if (backendChanges === undefined) return undefined;
  const backends =
    backendChanges.size === 0
      ? state.backends
      : state.backends.withChanges(new Map([...backendChanges].map(([id, change]) => [id, change.after])));
  const touched = touchedSelections(state, backendChanges);
  const hash = state.hash.clone();
  for (const { before, after } of backendChanges.values()) {
    if (before !== undefined) hash.removeBackend(before);
    if (after !== undefined) hash.addBackend(after);
  }
  if (changed.endpoints.length === 0 && touched.size === 0) {
    return samePatterns(table, previous, state)
      ? assembleTable(table, { ...state, backends, hash })
      : undefined;
  }

  const selections = new Map(state.selections);
  for (const text of touched) {
    const selection = selections.get(text) as Selection;
    selections.set(text, reselect(selection, backendChanges));
  }
  const compileDeps = (previousSlot: EndpointSlot | undefined) => ({
    random: deps.random,
    selectionOf: selectionsFrom(backends, selections, state.selectorIndex.index),
    reusableRoute: (route: Route): CompiledRoute | undefined => {
      const old = previousSlot?.compiled?.routes.find((compiled) => compiled.route.id === route.id);
      return old !== undefined && sameRouteSpec(old.route, route) && !touched.has(route.selector)
        ? old
        : undefined;
    },
  });
  const isTouched = (slot: EndpointSlot) =>
    touched.size > 0 &&
    slot.compiled?.routes.some((compiled) => touched.has(compiled.route.selector)) === true;
  const recompileSlot = (slot: EndpointSlot) =>
    isTouched(slot) ? compileEndpointSlot(slot.endpoint, compileDeps(slot)) : slot;

  if (changed.endpoints.length === 0) {
    if (!samePatterns(table, previous, state)) return undefined;
    const replaced = slotsUsing(state, touched);
    const slots = state.slots.slice();
    for (const position of replaced) slots[position] = recompileSlot(state.slots[position] as EndpointSlot);
    return assembleTable(table, { ...state, slots, backends, selections, hash }, { previous, replaced });
  }

  const positions = positionsOf(state);
  if (positions === null) return undefined;
  const changedPatterns = new Set(changed.endpoints);
  const seen = new Set<string>();
  let kept = 0;
  const slots = table.endpoints.map((endpoint) => {
    seen.add(endpoint.pattern);
    const position = positions.get(endpoint.pattern);
    const previousSlot = position === undefined ? undefined : state.slots[position];
    if (previousSlot !== undefined) kept++;
    if (previousSlot !== undefined && !changedPatterns.has(endpoint.pattern))
      return recompileSlot(previousSlot);
    if (previousSlot !== undefined) hash.removeEndpoint(previousSlot.endpoint);
    hash.addEndpoint(endpoint);
    return compileEndpointSlot(endpoint, compileDeps(previousSlot));
  });
  let removed = 0;
  for (const pattern of changedPatterns) {
    const position = positions.get(pattern);
    if (position === undefined || seen.has(pattern)) continue;
    hash.removeEndpoint((state.slots[position] as EndpointSlot).endpoint);
    removed++;
  }
  // A pattern written twice, or one gone without being listed as changed: the hash would be wrong.
  if (seen.size !== table.endpoints.length || kept + removed !== state.slots.length) return undefined;
  const stablePositions = samePatterns(table, previous, state);
  if (stablePositions) noteSlotSelectors(state, slots);
  // Selections no route uses any more stay (their upkeep is small) until they are a fifth of all.
  const pruned = selections.size > state.selectionsInUse * 1.25 + 64;
  const inUse = pruned ? usedSelections(slots, selections) : selections;
  return assembleTable(table, {
    slots,
    ...(stablePositions
      ? { patterns: state.patterns, shadowed: state.shadowed, positions: state.positions }
      : indexPatterns(slots)),
    backends,
    selections: inUse,
    selectionsInUse: pruned ? inUse.size : state.selectionsInUse,
    selectorIndex: pruned ? {} : state.selectorIndex,
    slotsBySelector: stablePositions ? state.slotsBySelector : {},
    hash,
  });
}

/**
 * The backends whose content changed among `ids`, each found in `backends` by binary search over
 * their ids; undefined when the counts do not add up (backends not sorted by id, a duplicate id).
 */
function findBackendChanges(
  backends: readonly Backend[],
  state: CompileState,
  ids: readonly string[],
): Map<string, BackendChange> | undefined {
  const changes = new Map<string, BackendChange>();
  let size = state.backends.size;
  for (const id of ids) {
    if (changes.has(id)) continue;
    const before = state.backends.get(id);
    const after = findById(backends, id);
    if (before === after) continue;
    if (
      before !== undefined &&
      after !== undefined &&
      sameDigest(backendDigest(before), backendDigest(after))
    ) {
      continue;
    }
    size += (after === undefined ? 0 : 1) - (before === undefined ? 0 : 1);
    changes.set(id, { before, after });
  }
  return size === backends.length ? changes : undefined;
}

function findById(backends: readonly Backend[], id: string): Backend | undefined {
  let low = 0;
  let high = backends.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const backend = backends[middle] as Backend;
    const order = compareText(backend.id, id);
    if (order === 0) return backend;
    if (order < 0) low = middle + 1;
    else high = middle - 1;
  }
  return undefined;
}

/** Selector texts of the selections a changed backend's old or new content matches. */
function touchedSelections(state: CompileState, changes: ReadonlyMap<string, BackendChange>): Set<string> {
  const touched = new Set<string>();
  if (changes.size === 0) return touched;
  const index = selectorIndexOf(state);
  for (const { before, after } of changes.values()) {
    for (const backend of [before, after]) {
      if (backend === undefined) continue;
      for (const text of index.candidates(backend.labels)) {
        const selection = state.selections.get(text);
        if (
          !touched.has(text) &&
          selection !== undefined &&
          matchesSelector(selection.selector, backend.labels)
        ) {
          touched.add(text);
        }
      }
    }
  }
  return touched;
}

/** `selection` without the changed backends' old content, with their new content where it matches. */
function reselect(selection: Selection, changes: ReadonlyMap<string, BackendChange>): Selection {
  const kept = selection.backends.filter((backend) => !changes.has(backend.id));
  const added: Backend[] = [];
  for (const { after } of changes.values()) {
    if (after !== undefined && matchesSelector(selection.selector, after.labels)) added.push(after);
  }
  return { ...selection, backends: mergeById(kept, added.sort(compareIds)) };
}

/** `table` has the patterns of `previous` (its slots) in the same order: at a glance when it shares its endpoints. */
function samePatterns(table: RouteTable, previous: CompiledTable, state: CompileState): boolean {
  if (table.endpoints === previous.table.endpoints) return true;
  if (table.endpoints.length !== state.slots.length) return false;
  return table.endpoints.every((endpoint, i) => endpoint.pattern === state.slots[i]?.endpoint.pattern);
}

/** The selections the slots' routes use, and only those. */
function usedSelections(
  slots: readonly EndpointSlot[],
  selections: ReadonlyMap<string, Selection>,
): Map<string, Selection> {
  const used = new Map<string, Selection>();
  for (const slot of slots) {
    for (const { route } of slot.compiled?.routes ?? []) {
      const selection = selections.get(route.selector);
      if (selection !== undefined) used.set(route.selector, selection);
    }
  }
  return used;
}
