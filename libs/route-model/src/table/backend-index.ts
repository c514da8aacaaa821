// Backends indexed by label, so a route's selector finds its backends without scanning the table.
import type { Backend } from "../model/types.js";
import { matchesSelector } from "../selector/match.js";
import type { Requirement, Selector } from "../selector/parse.js";

/** The backends of one table, searchable by selector. */
export interface BackendIndex {
  /** Every backend `selector` matches, in the index's order. */
  select(selector: Selector): Backend[];
  /**
   * The requirement of `selector` that narrows the search most (`k=v`, `k in (...)` or `k` with
   * the fewest backends), or undefined when none narrows: a backend `selector` matches always
   * carries the label (or key) it names.
   */
  narrowest(selector: Selector): Requirement | undefined;
}

/** How many positions a narrowing requirement leaves, and (computed on demand) which. */
interface Postings {
  size: number;
  positions(): number[];
}

/**
 * Indexes `backends` by `key=value` and by key. `select` takes the smallest posting list among
 * the requirements that narrow (`k=v`, `k in (...)`, `k`), then checks the whole selector on
 * those backends only: `a=b,c=d` over 100k backends reads only the backends labelled `a=b` or
 * `c=d`, whichever are fewer. Selectors with no narrowing requirement (`""`, `!k`, `k!=v`) scan all.
 */
export function createBackendIndex(backends: readonly Backend[]): BackendIndex {
  const byLabel = new Map<string, Map<string, number[]>>();
  const byKey = new Map<string, number[]>();
  backends.forEach((backend, position) => {
    const labels = backend.labels;
    // Object.keys, not Object.entries: one array per backend instead of one per label (100k tables).
    for (const key of Object.keys(labels)) {
      const value = labels[key] as string;
      let values = byLabel.get(key);
      if (values === undefined) {
        values = new Map();
        byLabel.set(key, values);
        byKey.set(key, []);
      }
      byKey.get(key)?.push(position);
      const list = values.get(value);
      if (list === undefined) values.set(value, [position]);
      else list.push(position);
    }
  });

  /** Positions that may satisfy `requirement`, or undefined when it does not narrow. */
  function postings(requirement: Requirement): Postings | undefined {
    switch (requirement.op) {
      case "=": {
        const list = byLabel.get(requirement.key)?.get(requirement.values[0] ?? "") ?? [];
        return { size: list.length, positions: () => list };
      }
      case "in": {
        const values = byLabel.get(requirement.key);
        const lists = [...new Set(requirement.values)].map((value) => values?.get(value) ?? []);
        const size = lists.reduce((sum, list) => sum + list.length, 0);
        return { size, positions: () => lists.flat().sort((a, b) => a - b) };
      }
      case "exists": {
        const list = byKey.get(requirement.key) ?? [];
        return { size: list.length, positions: () => list };
      }
      default:
        return undefined;
    }
  }

  /** The narrowing requirement of `selector` with the fewest postings, and those postings. */
  function narrowest(selector: Selector): { requirement: Requirement; postings: Postings } | undefined {
    let best: { requirement: Requirement; postings: Postings } | undefined;
    for (const requirement of selector) {
      const candidate = postings(requirement);
      if (candidate !== undefined && (best === undefined || candidate.size < best.postings.size)) {
        best = { requirement, postings: candidate };
      }
    }
    return best;
  }

  return {
    narrowest: (selector) => narrowest(selector)?.requirement,
    select(selector) {
      const best = narrowest(selector)?.postings;
      if (best === undefined) return backends.filter((backend) => matchesSelector(selector, backend.labels));
      const selected: Backend[] = [];
      for (const position of best.positions()) {
        const backend = backends[position];
        if (backend !== undefined && matchesSelector(selector, backend.labels)) selected.push(backend);
      }
      return selected;
    },
  };
}
