// What a compiled table keeps for compiling its successor incrementally (never exposed), and how
// a table is assembled from it: endpoint slots in table order, the pattern index, the backends,
// the selections and the running hash.
import type { RouteTable } from "../model/types.js";
import { createEndpointIndex, type EndpointIndex } from "../pattern/endpoint-index.js";
import type { ParsedPattern } from "../pattern/parse.js";
import { parseSelector } from "../selector/parse.js";
import type { BackendSet } from "./backend-set.js";
import type { CompiledEndpoint, CompiledTable } from "./compile.js";
import type { EndpointSlot, Selection } from "./compile-endpoint.js";
import type { TableHashState } from "./hash.js";
import { createSelectorIndex, type SelectorIndex } from "./selector-index.js";
import { shadowedWarnings, type TableWarning } from "./warnings.js";

export interface CompileState {
  /** One per entry of `table.endpoints`, in its order. */
  slots: readonly EndpointSlot[];
  /** Pattern -> position in `slots`, over the slots that compiled. */
  patterns: EndpointIndex<number>;
  /** Shadowed-endpoint warning by position in `slots`; depends only on the patterns. */
  shadowed: readonly (TableWarning | undefined)[];
  backends: BackendSet;
  /**
   * Selector text -> selection, for every selector text a compiled route uses, and possibly
   * some no route uses any more (see selectionsInUse).
   */
  selections: ReadonlyMap<string, Selection>;
  /** How many selections were in use when the unused ones were last dropped. */
  selectionsInUse: number;
  /**
   * Built on first use, then grows with each new selection; shared by the states compiled from
   * this one until unused selections are dropped. May name texts a state's selections lack.
   */
  selectorIndex: { index?: SelectorIndex };
  /**
   * Built on first use: selector text -> positions of slots using it; then grows while the
   * patterns keep their positions, shared likewise. May name a position no longer using a text.
   */
  slotsBySelector: { index?: Map<string, number[]> };
  /** Built on first use: pattern -> position in `slots`; null when a pattern appears twice. */
  positions?: ReadonlyMap<string, number> | null;
  hash: TableHashState;
}

const states = new WeakMap<CompiledTable, CompileState>();

export function stateOf(compiled: CompiledTable): CompileState | undefined {
  return states.get(compiled);
}

/** Slots of `previous` replaced in a state that otherwise has its slots (same patterns, same order). */
export interface ReplacedSlots {
  previous: CompiledTable;
  /** Positions in the slots. */
  replaced: readonly number[];
}

/**
 * The compiled table of `state`: endpoints in table order without the left-out ones; warnings
 * in table order, first every invalid entry, then per endpoint shadowed, empty and unpickable.
 * Given `replacing`, what `previous` has already is patched instead of walked, when it can be.
 */
export function assembleTable(
  table: RouteTable,
  state: CompileState,
  replacing?: ReplacedSlots,
): CompiledTable {
  const { slots, patterns } = state;
  const compiled: CompiledTable = {
    version: table.version,
    hash: state.hash.hex(),
    table,
    match(host, path) {
      const position = patterns.match(host, path);
      return position === undefined ? undefined : slots[position]?.compiled;
    },
    ...((replacing && patchEndpoints(state, replacing)) ?? collectEndpoints(state)),
    backendsById: state.backends,
  };
  states.set(compiled, state);
  return compiled;
}

function collectEndpoints(state: CompileState): Pick<CompiledTable, "endpoints" | "warnings"> {
  const endpoints: CompiledEndpoint[] = [];
  const invalid: TableWarning[] = [];
  const others: TableWarning[] = [];
  state.slots.forEach((slot, position) => {
    invalid.push(...slot.invalid);
    if (slot.compiled === undefined) return;
    endpoints.push(slot.compiled);
    const shadowed = state.shadowed[position];
    if (shadowed !== undefined) others.push(shadowed);
    others.push(...slot.own);
  });
  return { endpoints, warnings: [...invalid, ...others] };
}

/**
 * The previous table's endpoints with the replaced ones swapped in, and its warnings, when every
 * slot compiled (an endpoint's index is its slot's position) and no replaced slot had or has a
 * warning; else undefined.
 */
function patchEndpoints(
  state: CompileState,
  { previous, replaced }: ReplacedSlots,
): Pick<CompiledTable, "endpoints" | "warnings"> | undefined {
  const before = stateOf(previous)?.slots;
  if (before === undefined || previous.endpoints.length !== state.slots.length) return undefined;
  const endpoints = previous.endpoints.slice();
  for (const position of replaced) {
    const slot = state.slots[position] as EndpointSlot;
    const old = before[position] as EndpointSlot;
    const quiet = (s: EndpointSlot) => s.invalid.length === 0 && s.own.length === 0;
    if (slot.compiled === undefined || !quiet(slot) || !quiet(old)) return undefined;
    endpoints[position] = slot.compiled;
  }
  return { endpoints, warnings: previous.warnings.slice() };
}

/** The pattern index over the slots that compiled, and their shadowed-endpoint warnings. */
export function indexPatterns(slots: readonly EndpointSlot[]): Pick<CompileState, "patterns" | "shadowed"> {
  const compiled: { pattern: string; parsed: ParsedPattern; value: number }[] = [];
  slots.forEach((slot, position) => {
    if (slot.compiled !== undefined) {
      compiled.push({ pattern: slot.endpoint.pattern, parsed: slot.compiled.pattern, value: position });
    }
  });
  const patterns = createEndpointIndex(compiled);
  const warnings = shadowedWarnings(compiled);
  const shadowed: (TableWarning | undefined)[] = new Array(slots.length).fill(undefined);
  compiled.forEach((entry, i) => {
    shadowed[entry.value] = warnings[i];
  });
  return { patterns, shadowed };
}

/** Pattern -> slot position, or null when a pattern appears twice (computed once per state). */
export function positionsOf(state: CompileState): ReadonlyMap<string, number> | null {
  if (state.positions === undefined) {
    const positions = new Map(state.slots.map((slot, position) => [slot.endpoint.pattern, position]));
    state.positions = positions.size === state.slots.length ? positions : null;
  }
  return state.positions;
}

/** Records in the (shared) selector -> slots index the texts each slot of `slots` uses now. */
export function noteSlotSelectors(state: CompileState, slots: readonly EndpointSlot[]): void {
  const index = state.slotsBySelector.index;
  if (index === undefined) return;
  slots.forEach((slot, position) => {
    if (slot === state.slots[position]) return;
    for (const { route } of slot.compiled?.routes ?? []) {
      const positions = index.get(route.selector);
      if (positions === undefined) index.set(route.selector, [position]);
      else if (!positions.includes(position)) positions.push(position);
    }
  });
}

/**
 * Positions of the slots whose compiled routes may use one of `texts`, ascending: every one that
 * does, and possibly some that no longer do (recompiling those changes nothing).
 */
export function slotsUsing(state: CompileState, texts: ReadonlySet<string>): number[] {
  if (texts.size === 0) return [];
  if (state.slotsBySelector.index === undefined) {
    const index = new Map<string, number[]>();
    state.slots.forEach((slot, position) => {
      for (const { route } of slot.compiled?.routes ?? []) {
        const positions = index.get(route.selector);
        if (positions === undefined) index.set(route.selector, [position]);
        else if (positions.at(-1) !== position) positions.push(position);
      }
    });
    state.slotsBySelector.index = index;
  }
  const found = new Set<number>();
  for (const text of texts)
    for (const position of state.slotsBySelector.index.get(text) ?? []) found.add(position);
  return [...found].sort((a, b) => a - b);
}

/** The selections' texts by label (computed once per set of texts). */
export function selectorIndexOf(state: CompileState): SelectorIndex {
  state.selectorIndex.index ??= createSelectorIndex(state.selections);
  return state.selectorIndex.index;
}

/**
 * The selection for a selector text from `selections`, or parsed and resolved through `backends`
 * and added to it (and to `index`). Throws SelectorSyntaxError when the text does not parse.
 */
export function selectionsFrom(
  backends: BackendSet,
  selections: Map<string, Selection>,
  index?: SelectorIndex,
): (text: string) => Selection {
  return (text) => {
    let selection = selections.get(text);
    if (selection === undefined) {
      const selector = parseSelector(text);
      selection = { selector, narrowest: backends.narrowest(selector), backends: backends.select(selector) };
      selections.set(text, selection);
      index?.add(text, selection.narrowest);
    }
    return selection;
  };
}
