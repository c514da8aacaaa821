// Writes a RouteTable into signalbox-routes as per-key changes: changed endpoints and
// backends are put, removed ones deleted, and `meta` is written last, so a reader that
// applies changes up to a `meta` holds a consistent table (contract: ARCHITECTURE.md "NATS").

import type { KV } from "@nats-io/kv";
import {
  type Backend,
  diffTables,
  type Endpoint,
  hashTable,
  parseBackend,
  parseEndpoint,
  type RouteTable,
  type TableDiff,
} from "@signalbox/route-model";
import { codecs } from "../codecs.js";
import { RouteTableError } from "../errors.js";
import type { RoutesMeta } from "../messages/routes.js";
import { backendKey, endpointKey, META_KEY, parseRouteKey } from "../subjects.js";
import { type KvWrite, writeKvPipelined } from "./pipelined-writes.js";
import { encodeEntry, sameEntry } from "./route-entry.js";

export interface WriteRouteTableOptions {
  /**
   * diffTables(prev, next), when the caller has it already. With it, `prev`'s endpoints and
   * backends must be sorted by key (as the watcher builds them and readers hand them out).
   */
  diff?: TableDiff;
  /** hashTable(next), when the caller has it already. */
  hash?: string;
  /** Keys that may not be the table's (seen in the bucket): each one `next` has no entry under is deleted. */
  foreignKeys?: readonly string[];
  /**
   * Keys whose value a reader could not use (SkippedKeys.present()): put again when `next` has
   * an entry under them (a stranger overwrote a key of the table), else deleted.
   */
  rewriteKeys?: readonly string[];
}

export interface WriteResult {
  /** Endpoint and backend keys put (`meta` not counted). */
  written: number;
  /** Endpoint and backend keys deleted. */
  deleted: number;
  /** The hash written to `meta`. */
  hash: string;
  /** Keys of `foreignKeys` and `rewriteKeys` deleted or put again, in that order. */
  repaired: string[];
}

const patternOf = (endpoint: Endpoint) => endpoint.pattern;
const idOf = (backend: Backend) => backend.id;

/**
 * Writes `next` given that `kv` (opened by openRoutesBucket) holds `prev`: puts the endpoints
 * and backends that are new or changed and deletes the removed ones, all in flight together,
 * then, once JetStream acked every one of them, puts `meta` `{version, hash, generatedAt,
 * endpointCount, backendCount}`. Without `prev` (first write, a restart, or a bucket that may
 * have been lost) every entry is put and every other endpoint/backend key in the bucket
 * deleted. `opts.diff` and `opts.hash` must be diffTables(prev, next) and hashTable(next).
 * Retrying a failed call with the same `prev` is safe. Calls must not overlap. Throws
 * RouteTableError, writing nothing, for a duplicate pattern or backend id, or an entry a
 * reader would not read back as it is. Work besides the writes is O(changes) when the caller
 * gives the diff and the hash, else one pass over the tables.
 */
export async function writeRouteTable(
  kv: KV,
  prev: RouteTable | undefined,
  next: RouteTable,
  opts: WriteRouteTableOptions = {},
): Promise<WriteResult> {
  const diff = opts.diff ?? diffTables(prev, next);
  const given = opts.diff !== undefined && prev !== undefined;
  const endpoints = lookupUnique(next.endpoints, patternOf, "endpoint", {
    before: given ? prev.endpoints : undefined,
    changed: diff.changedEndpoints,
    removed: diff.removedEndpoints,
  });
  const backends = lookupUnique(next.backends, idOf, "backend", {
    before: given ? prev.backends : undefined,
    changed: diff.changedBackends,
    removed: diff.removedBackends,
  });
  const puts: KvWrite[] = [
    ...diff.changedEndpoints.map((pattern) => putOf(endpointKey(pattern), endpoints(pattern), parseEndpoint)),
    ...diff.changedBackends.map((id) => putOf(backendKey(id), backends(id), parseBackend)),
  ];
  const deletes =
    prev === undefined
      ? await staleKeys(kv, endpoints, backends)
      : [...diff.removedEndpoints.map(endpointKey), ...diff.removedBackends.map(backendKey)];
  const touched = new Set([...puts.map((put) => put.key), ...deletes, META_KEY]);
  const repaired: string[] = [];
  const stray = (keys: readonly string[] | undefined, rewrite: boolean) => {
    for (const key of keys ?? []) {
      if (touched.has(key)) continue;
      touched.add(key);
      const entry = entryUnder(key, endpoints, backends);
      if (entry !== undefined && !rewrite) continue;
      if (entry === undefined) deletes.push(key);
      else puts.push(entry);
      repaired.push(key);
    }
  };
  stray(opts.rewriteKeys, true);
  stray(opts.foreignKeys, false);
  await writeKvPipelined(kv, [...puts, ...deletes.map((key) => ({ key }))]);
  const hash = opts.hash ?? hashTable(next);
  const meta: RoutesMeta = {
    version: next.version,
    hash,
    generatedAt: next.generatedAt,
    endpointCount: next.endpoints.length,
    backendCount: next.backends.length,
  };
  await kv.put(META_KEY, codecs.routesMeta.encode(meta));
  return { written: puts.length, deleted: deletes.length, hash, repaired };
}

/**
 * Entry by key, throwing for a key that appears twice. When the caller's diff accounts for
 * every entry (`items` holds as many as `before` plus the added keys minus the removed ones,
 * `before` being sorted and unique), that is checked in O(changes); else in one pass of
 * neighbour comparisons for sorted items, or by indexing them. Sorted items are searched by
 * bisection.
 */
function lookupUnique<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  kind: string,
  diff: { before: readonly T[] | undefined; changed: readonly string[]; removed: readonly string[] },
): (key: string) => T | undefined {
  const { before } = diff;
  const accounted =
    before !== undefined &&
    items.length ===
      before.length -
        diff.removed.length +
        diff.changed.filter((key) => bisect(before, key, keyOf) === undefined).length;
  let index: Map<string, T> | undefined;
  const indexed = () => {
    index ??= indexUnique(items, keyOf, kind);
    return index;
  };
  if (accounted) return (key) => bisect(items, key, keyOf) ?? indexed().get(key);
  let sorted = true;
  for (let i = 1; i < items.length && sorted; i++) {
    const previous = keyOf(items[i - 1] as T);
    const key = keyOf(items[i] as T);
    if (previous === key) throw duplicate(kind, key);
    sorted = previous < key;
  }
  if (sorted) return (key) => bisect(items, key, keyOf);
  indexed();
  return (key) => indexed().get(key);
}

/** The item with `key` when `items` is sorted by key; undefined when absent (or unsorted). */
function bisect<T>(items: readonly T[], key: string, keyOf: (item: T) => string): T | undefined {
  let low = 0;
  let high = items.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const candidate = keyOf(items[middle] as T);
    if (candidate === key) return items[middle];
    if (candidate < key) low = middle + 1;
    else high = middle - 1;
  }
  return undefined;
}

function indexUnique<T>(items: readonly T[], keyOf: (item: T) => string, kind: string): Map<string, T> {
  const index = new Map<string, T>();
  for (const item of items) {
    const key = keyOf(item);
    if (index.has(key)) throw duplicate(kind, key);
    index.set(key, item);
  }
  return index;
}

function duplicate(kind: string, key: string): RouteTableError {
  return new RouteTableError(`${kind} ${JSON.stringify(key)}`, "appears twice in the table");
}

/** The put of one entry, checked first: a reader hashes what it parses, so an entry that parses differently would never make a consistent table. */
function putOf<T extends Endpoint | Backend>(
  key: string,
  entry: T | undefined,
  parse: (x: unknown) => T,
): KvWrite {
  if (entry === undefined) throw new RouteTableError(key, "is in the diff but not in the table");
  let parsed: T;
  try {
    parsed = parse(entry);
  } catch (error) {
    throw new RouteTableError(key, `is not valid: ${(error as Error).message}`, { cause: error });
  }
  if (!sameJson(entry, parsed) && !sameEntry(key.startsWith("endpoint."), entry, parsed)) {
    throw new RouteTableError(key, "has fields a reader would drop or change");
  }
  return { key, value: encodeEntry(entry) };
}

/** The put of `next`'s entry under `key`; undefined when it has none. */
function entryUnder(
  key: string,
  endpoints: (pattern: string) => Endpoint | undefined,
  backends: (id: string) => Backend | undefined,
): KvWrite | undefined {
  const parsed = parseRouteKey(key);
  if (parsed?.kind === "endpoint") {
    const endpoint = endpoints(parsed.pattern);
    return endpoint && putOf(key, endpoint, parseEndpoint);
  }
  if (parsed?.kind === "backend") {
    const backend = backends(parsed.id);
    return backend && putOf(key, backend, parseBackend);
  }
  return undefined;
}

/** Equal as JSON: same members (undefined ones count as absent) and values, arrays in order. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aRecord = a as Record<string, unknown>;
  const bRecord = b as Record<string, unknown>;
  let aCount = 0;
  for (const key in aRecord) {
    if (aRecord[key] === undefined) continue;
    aCount++;
    if (!sameJson(aRecord[key], bRecord[key])) return false;
  }
  let bCount = 0;
  for (const key in bRecord) if (bRecord[key] !== undefined) bCount++;
  return aCount === bCount;
}

/** Keys in the bucket but `meta` that `next` does not have (keys outside the schema too). */
async function staleKeys(
  kv: KV,
  endpoints: (pattern: string) => unknown,
  backends: (id: string) => unknown,
): Promise<string[]> {
  const stale: string[] = [];
  for await (const key of await kv.keys()) {
    const parsed = parseRouteKey(key);
    if (parsed === undefined) stale.push(key);
    else if (parsed.kind === "endpoint" && endpoints(parsed.pattern) === undefined) stale.push(key);
    else if (parsed.kind === "backend" && backends(parsed.id) === undefined) stale.push(key);
  }
  return stale;
}
