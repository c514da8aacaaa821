// Differences between two route tables, as the keys the watcher rewrites in KV and announces in
// `routes.updated`.
import type { Backend, Endpoint, RouteTable } from "../model/types.js";
import { canonicalBackend, canonicalEndpoint, compareText } from "./canonical.js";

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
 * its canonical JSON differs (order of routes and label keys does not count), removed when only
 * `prev` has it. Without `prev` every key of `next` is changed. Lists are sorted.
 */
export function diffTables(prev: RouteTable | undefined, next: RouteTable): TableDiff {
  const endpoints = diffKeyed(
    prev?.endpoints ?? [],
    next.endpoints,
    (e: Endpoint) => e.pattern,
    canonicalEndpoint,
  );
  const backends = diffKeyed(prev?.backends ?? [], next.backends, (b: Backend) => b.id, canonicalBackend);
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
  canonicalOf: (item: T) => string,
): { changed: string[]; removed: string[] } {
  const before = new Map(prev.map((item) => [keyOf(item), item]));
  const changed: string[] = [];
  const nextKeys = new Set<string>();
  for (const item of next) {
    const key = keyOf(item);
    nextKeys.add(key);
    const old = before.get(key);
    if (old === undefined || (old !== item && canonicalOf(old) !== canonicalOf(item))) changed.push(key);
  }
  const removed = [...before.keys()].filter((key) => !nextKeys.has(key));
  return { changed: changed.sort(compareText), removed: removed.sort(compareText) };
}
