// What a compiled table keeps for compiling its successor incrementally (never exposed), and how
// a table is assembled from it: endpoint slots in table order, the pattern index, the backends,
// the selections and the running hash.
import type { RouteTable } from "../model/types.js";
import { createEndpointIndex, type EndpointIndex } from "../pattern/endpoint-index.js";
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
  /** Selector text -> selection, for every selector text a compiled route uses. */
  selections: ReadonlyMap<string, Selection>;
  /** Built on first use; shared by the states whose selections have the same texts. */
  selectorIndex: { index?: SelectorIndex };
  /** Built on first use: pattern -> position in `slots`; null when a pattern appears twice. */
  positions?: ReadonlyMap<string, number> | null;
  hash: TableHashState;
}

const states = new WeakMap<CompiledTable, CompileState>();

export function stateOf(compiled: CompiledTable): CompileState | undefined {
  return states.get(compiled);
}

/**
 * The compiled table of `state`: endpoints in table order without the left-out ones; warnings
 * in table order, first every invalid entry, then per endpoint shadowed, empty and unpickable.
 */
export function assembleTable(table: RouteTable, state: CompileState): CompiledTable {
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
  const { slots, patterns } = state;
  const compiled: CompiledTable = {
    version: table.version,
    hash: state.hash.hex(),
    table,
    match(host, path) {
      const position = patterns.match(host, path);
      return position === undefined ? undefined : slots[position]?.compiled;
    },
    endpoints,
    backendsById: state.backends,
    warnings: [...invalid, ...others],
  };
  states.set(compiled, state);
  return compiled;
}

/** The pattern index over the slots that compiled, and their shadowed-endpoint warnings. */
export function indexPatterns(slots: readonly EndpointSlot[]): Pick<CompileState, "patterns" | "shadowed"> {
  const compiled: { pattern: string; value: number }[] = [];
  slots.forEach((slot, position) => {
    if (slot.compiled !== undefined) compiled.push({ pattern: slot.endpoint.pattern, value: position });
  });
  const patterns = createEndpointIndex(compiled);
  const warnings = shadowedWarnings(
    compiled.map((entry) => entry.pattern),
    patterns,
  );
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

/** The selections' texts by label (computed once per set of texts). */
export function selectorIndexOf(state: CompileState): SelectorIndex {
  state.selectorIndex.index ??= createSelectorIndex(
    [...state.selections].map(([text, selection]) => [text, selection.selector]),
    (selector) => state.backends.narrowest(selector),
  );
  return state.selectorIndex.index;
}

/**
 * The selection for a selector text from `selections`, or parsed and resolved through `backends`
 * and added to it. Throws SelectorSyntaxError when the text does not parse.
 */
export function selectionsFrom(
  backends: BackendSet,
  selections: Map<string, Selection>,
): (text: string) => Selection {
  return (text) => {
    let selection = selections.get(text);
    if (selection === undefined) {
      const selector = parseSelector(text);
      selection = { selector, backends: backends.select(selector) };
      selections.set(text, selection);
    }
    return selection;
  };
}
