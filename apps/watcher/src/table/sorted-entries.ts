// Lists kept sorted by a string key (backends by id, endpoints by pattern): compared, searched
// and patched in time proportional to what changed, so a one-backend change in a 100k-backend
// table does not cost a pass of hashing, maps or sorting over the whole table.

export type KeyOf<T> = (item: T) => string;

/** The order of every key list here and of TableDiff (UTF-16 code units, as `<`). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The position of the first item whose key is not below `key`, searching from `from`. */
export function lowerBound<T>(items: readonly T[], key: string, keyOf: KeyOf<T>, from = 0): number {
  let low = from;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (keyOf(items[middle] as T) < key) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The item with `key` in a strictly sorted list. */
export function findSorted<T>(items: readonly T[], key: string, keyOf: KeyOf<T>): T | undefined {
  const at = lowerBound(items, key, keyOf);
  const item = items[at];
  return item !== undefined && keyOf(item) === key ? item : undefined;
}

/**
 * Keys (sorted) that only one of two lists has, or whose items differ: not the same object and
 * not `same`; undefined when `after` is not strictly sorted (`before` must be). Items `after`
 * shares with `before`, in the same order, cost a comparison of references.
 */
export function changedKeysIfSorted<T>(
  before: readonly T[],
  after: readonly T[],
  keyOf: KeyOf<T>,
  same: (a: T, b: T) => boolean,
): string[] | undefined {
  const changed: string[] = [];
  let i = 0;
  /** after[j - 1] is before[i - 1]: when after[j] is before[i], their order is before's. */
  let inStep = false;
  for (let j = 0; j < after.length; j++) {
    const item = after[j] as T;
    if (i < before.length && before[i] === item) {
      if (!inStep && j > 0 && !(keyOf(after[j - 1] as T) < keyOf(item))) return undefined;
      i++;
      inStep = true;
      continue;
    }
    inStep = false;
    const key = keyOf(item);
    if (j > 0 && !(keyOf(after[j - 1] as T) < key)) return undefined;
    while (i < before.length && keyOf(before[i] as T) < key) changed.push(keyOf(before[i++] as T));
    const old = before[i];
    if (old !== undefined && keyOf(old) === key) {
      if (!same(old, item)) changed.push(key);
      i++;
    } else {
      changed.push(key);
    }
  }
  for (; i < before.length; i++) changed.push(keyOf(before[i] as T));
  return changed;
}

/** The sorted union of sorted key lists, each key once. */
export function unionSorted(lists: readonly (readonly string[])[]): string[] {
  let union: readonly string[] = [];
  for (const list of lists) {
    if (list.length === 0) continue;
    if (union.length === 0) {
      union = list;
      continue;
    }
    const merged: string[] = [];
    let i = 0;
    let j = 0;
    while (i < union.length && j < list.length) {
      const a = union[i] as string;
      const b = list[j] as string;
      merged.push(a <= b ? a : b);
      if (a <= b) i++;
      if (b <= a) j++;
    }
    for (; i < union.length; i++) merged.push(union[i] as string);
    for (; j < list.length; j++) merged.push(list[j] as string);
    union = merged;
  }
  return [...union];
}

/**
 * A copy of the strictly sorted `items` with each key of `updates` (sorted, each key once)
 * replaced by, or inserted as, its item, or removed when the item is undefined. `items` itself
 * when there are no updates.
 */
export function patchSorted<T>(
  items: T[],
  updates: readonly { key: string; item: T | undefined }[],
  keyOf: KeyOf<T>,
): T[] {
  if (updates.length === 0) return items;
  if (updates.length <= FEW_UPDATES) {
    // Last update first: the positions of the earlier ones do not move. Each splice is one memmove.
    const patched = items.slice();
    for (let u = updates.length - 1; u >= 0; u--) {
      const { key, item } = updates[u] as { key: string; item: T | undefined };
      const at = lowerBound(patched, key, keyOf);
      const present = at < patched.length && keyOf(patched[at] as T) === key;
      if (item === undefined) {
        if (present) patched.splice(at, 1);
      } else if (present) {
        patched[at] = item;
      } else {
        patched.splice(at, 0, item);
      }
    }
    return patched;
  }
  const patched: T[] = [];
  let from = 0;
  for (const { key, item } of updates) {
    const at = lowerBound(items, key, keyOf, from);
    for (let i = from; i < at; i++) patched.push(items[i] as T);
    from = at < items.length && keyOf(items[at] as T) === key ? at + 1 : at;
    if (item !== undefined) patched.push(item);
  }
  for (let i = from; i < items.length; i++) patched.push(items[i] as T);
  return patched;
}

/** Up to this many updates, patching a copy in place beats rebuilding the list item by item. */
const FEW_UPDATES = 32;
