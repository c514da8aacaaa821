// The backends of a compiled table, by id and by selector. A table compiled incrementally shares
// its predecessor's sorted, label-indexed base and adds only the backends changed since then.
import type { Backend } from "../model/types.js";
import { matchesSelector } from "../selector/match.js";
import type { Requirement, Selector } from "../selector/parse.js";
import { type BackendIndex, createBackendIndex } from "./backend-index.js";
import { compareText } from "./canonical.js";

interface Base {
  /** Sorted by id. */
  sorted: readonly Backend[];
  byId: ReadonlyMap<string, Backend>;
  index: BackendIndex;
}

/** Changes a set holds over its base before it rebuilds the base: at least this many... */
const MIN_REBUILD_AT = 1024;
/** ...or this share of the base, so a select scans few changed backends beside the base's index. */
const REBUILD_SHARE = 1 / 16;

/**
 * An immutable map of backends by id that also answers selectors. Iterates in id order after
 * `of`; `withChanges` keeps each backend's place and lists added ones last.
 */
export class BackendSet implements ReadonlyMap<string, Backend> {
  private constructor(
    private readonly base: Base,
    /** Backends changed since `base`: id -> the backend now, or undefined once removed. */
    private readonly changes: ReadonlyMap<string, Backend | undefined>,
    readonly size: number,
  ) {}

  /** The set of `backends` (the later of two with the same id wins the id; selectors see both). */
  static of(backends: readonly Backend[]): BackendSet {
    const sorted = [...backends].sort(compareIds);
    const byId = new Map(sorted.map((backend) => [backend.id, backend]));
    return new BackendSet({ sorted, byId, index: createBackendIndex(sorted) }, new Map(), byId.size);
  }

  /**
   * This set with each id of `changes` set to its backend, or removed when undefined. Shares the
   * base while the backends changed since it stay under a sixteenth of it (and under 1,024 for
   * small sets), then builds a new base: the cost of the rare rebuild is that of `of`.
   */
  withChanges(changes: ReadonlyMap<string, Backend | undefined>): BackendSet {
    const merged = new Map(this.changes);
    let size = this.size;
    for (const [id, backend] of changes) {
      size += (backend === undefined ? 0 : 1) - (this.has(id) ? 1 : 0);
      if (backend === undefined && !this.base.byId.has(id)) merged.delete(id);
      else merged.set(id, backend);
    }
    if (merged.size > Math.max(MIN_REBUILD_AT, this.base.sorted.length * REBUILD_SHARE)) {
      return BackendSet.of([...new BackendSet(this.base, merged, size).values()]);
    }
    return new BackendSet(this.base, merged, size);
  }

  /** Every backend `selector` matches, sorted by id. */
  select(selector: Selector): Backend[] {
    const fromBase = this.base.index.select(selector);
    if (this.changes.size === 0) return fromBase;
    const kept = fromBase.filter((backend) => !this.changes.has(backend.id));
    const added: Backend[] = [];
    for (const backend of this.changes.values()) {
      if (backend !== undefined && matchesSelector(selector, backend.labels)) added.push(backend);
    }
    return mergeById(kept, added.sort(compareIds));
  }

  /** See BackendIndex.narrowest: the requirement a backend matching `selector` surely meets, if any. */
  narrowest(selector: Selector): Requirement | undefined {
    return this.base.index.narrowest(selector);
  }

  get(id: string): Backend | undefined {
    if (this.changes.size === 0) return this.base.byId.get(id);
    const changed = this.changes.get(id);
    if (changed !== undefined || this.changes.has(id)) return changed;
    return this.base.byId.get(id);
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  forEach(
    fn: (backend: Backend, id: string, map: ReadonlyMap<string, Backend>) => void,
    thisArg?: unknown,
  ): void {
    for (const [id, backend] of this.entries()) fn.call(thisArg, backend, id, this);
  }

  *entries(): MapIterator<[string, Backend]> {
    for (const [id, backend] of this.base.byId) {
      const now = this.changes.has(id) ? this.changes.get(id) : backend;
      if (now !== undefined) yield [id, now];
    }
    for (const [id, backend] of this.changes) {
      if (backend !== undefined && !this.base.byId.has(id)) yield [id, backend];
    }
  }

  *keys(): MapIterator<string> {
    for (const [id] of this.entries()) yield id;
  }

  *values(): MapIterator<Backend> {
    for (const [, backend] of this.entries()) yield backend;
  }

  [Symbol.iterator](): MapIterator<[string, Backend]> {
    return this.entries();
  }
}

/** `a` and `b`, each sorted by id, as one list sorted by id. */
export function mergeById(a: readonly Backend[], b: readonly Backend[]): Backend[] {
  if (b.length === 0) return [...a];
  if (a.length === 0) return [...b];
  const merged: Backend[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const left = a[i] as Backend;
    const right = b[j] as Backend;
    if (compareIds(left, right) <= 0) {
      merged.push(left);
      i++;
    } else {
      merged.push(right);
      j++;
    }
  }
  for (; i < a.length; i++) merged.push(a[i] as Backend);
  for (; j < b.length; j++) merged.push(b[j] as Backend);
  return merged;
}

export function compareIds(a: Backend, b: Backend): number {
  return compareText(a.id, b.id);
}
