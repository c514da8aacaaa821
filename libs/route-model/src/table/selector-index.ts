// Route selectors by a label a backend needs to match them: which selectors a changed backend can
// touch, found without checking every selector of the table.
import type { Requirement } from "../selector/parse.js";

/** The selectors of one table, searchable by a backend's labels. */
export interface SelectorIndex {
  /**
   * The texts of the selectors that may match a backend with `labels`: every one that does, and
   * some that do not (the caller checks). Selectors without a narrowing requirement are always in.
   */
  candidates(labels: Record<string, string>): Set<string>;
  /** Indexes one more selector text under its narrowest requirement. */
  add(text: string, narrowest: Requirement | undefined): void;
}

/**
 * Indexes each selector text under its `narrowest` requirement, one a matching backend must meet
 * (`k=v` and `k in (...)` under each `k=value`, `k` under the key); a selector without one
 * (`""`, `!k`, `k!=v`) is a candidate for every backend.
 */
export function createSelectorIndex(
  selectors: Iterable<[text: string, { narrowest: Requirement | undefined }]>,
): SelectorIndex {
  const byLabel = new Map<string, Map<string, string[]>>();
  const byKey = new Map<string, string[]>();
  const everywhere: string[] = [];
  const listIn = <K>(map: Map<K, string[]>, key: K, text: string) => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [text]);
    else list.push(text);
  };
  const add = (text: string, requirement: Requirement | undefined) => {
    if (requirement === undefined) {
      everywhere.push(text);
    } else if (requirement.op === "exists") {
      listIn(byKey, requirement.key, text);
    } else {
      let values = byLabel.get(requirement.key);
      if (values === undefined) {
        values = new Map();
        byLabel.set(requirement.key, values);
      }
      for (const value of new Set(requirement.values)) listIn(values, value, text);
    }
  };
  for (const [text, { narrowest }] of selectors) add(text, narrowest);
  return {
    add,
    candidates(labels) {
      const found = new Set(everywhere);
      for (const [key, value] of Object.entries(labels)) {
        for (const text of byLabel.get(key)?.get(value) ?? []) found.add(text);
        for (const text of byKey.get(key) ?? []) found.add(text);
      }
      return found;
    },
  };
}
