// Differences between two route tables, as the keys the watcher rewrites in KV and announces in
// `routes.updated`.
import type { Backend, Endpoint, RouteTable } from "../model/types.js";
import { compareText } from "./canonical.js";
import { backendDigest, type EntryDigest, endpointDigest, sameDigest } from "./entry-digest.js";

export interface TableDiff {
  /** Patterns of endpoints that are new or whose canonical content differs. */
  changedEndpoints: string[];
  /** Patterns of endpoints in `prev` that `next` no longer has. */
  removedEndpoints: string[];
  /** Ids of backends that are new or whose canonical content differs. */
  changedBackends: string[];
  /** Ids of backends in `prev` that `next` no longer has. */
  removedBackends: string[];
}

/**
 * Compares tables key by key (endpoint pattern, backend id): a key is changed when it is new or
 * its content differs (its cached entry digest: order of routes and label keys does not count),
 * removed when only `prev` has it. Without `prev` every key of `next` is changed. Lists are
 * sorted. Nothing is serialised for entries digested before (see entry-digest.ts), and two tables
 * listing their keys in the same order (the watcher sorts them) are compared in one walk.
 */
export function diffTables(prev: RouteTable | undefined, next: RouteTable): TableDiff {
  const endpoints = diffKeyed(
    prev?.endpoints ?? [],
    next.endpoints,
    (e: Endpoint) => e.pattern,
    endpointDigest,
  );
  const backends = diffKeyed(prev?.backends ?? [], next.backends, (b: Backend) => b.id, backendDigest);
  return {
    changedEndpoints: endpoints.changed,
    removedEndpoints: endpoints.removed,
    changedBackends: backends.changed,
    removedBackends: backends.removed,
  };
}

function diffKeyed<T>(
  prev: readonly T[],
  next: readonly T[],
  keyOf: (item: T) => string,
  digestOf: (item: T) => EntryDigest,
): { changed: string[]; removed: string[] } {
  const isChanged = (old: T, item: T) => old !== item && !sameDigest(digestOf(old), digestOf(item));
  const changed: string[] = [];
  // Lockstep while both lists hold the same key at the same place; maps only for what is left.
  let same = 0;
  for (const end = Math.min(prev.length, next.length); same < end; same++) {
    const old = prev[same] as T;
    const item = next[same] as T;
    const key = keyOf(item);
    if (keyOf(old) !== key) break;
    if (isChanged(old, item)) changed.push(key);
  }
  const before = new Map<string, T>();
  for (let i = same; i < prev.length; i++) before.set(keyOf(prev[i] as T), prev[i] as T);
  for (let i = same; i < next.length; i++) {
    const item = next[i] as T;
    const key = keyOf(item);
    const old = before.get(key);
    if (old === undefined || isChanged(old, item)) changed.push(key);
    before.delete(key);
  }
  return { changed: changed.sort(compareText), removed: [...before.keys()].sort(compareText) };
}
