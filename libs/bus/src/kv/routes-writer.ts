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
} from "@signalbox/route-model";
import { codecs } from "../codecs.js";
import { RouteTableError } from "../errors.js";
import type { RoutesMeta } from "../messages/routes.js";
import { backendKey, endpointKey, META_KEY, parseRouteKey } from "../subjects.js";
import { encodeEntry, sameEntry } from "./route-entry.js";
import { runBounded } from "./run-bounded.js";

/** KV operations in flight at once while writing a table. */
const IN_FLIGHT = 256;

export interface WriteResult {
  /** Endpoint and backend keys put (`meta` not counted). */
  written: number;
  /** Endpoint and backend keys deleted. */
  deleted: number;
}

/**
 * Writes `next` given that the bucket holds `prev`: puts the endpoints and backends that
 * are new or changed, deletes the removed ones, then puts `meta` `{version, hash,
 * generatedAt, endpointCount, backendCount}`. Without `prev` (first write, a restart, or
 * a bucket that may have been lost) every entry is put and every other endpoint/backend
 * key in the bucket deleted. Retrying a failed call with the same `prev` is safe. Calls
 * must not overlap. Throws RouteTableError, writing nothing, for a duplicate pattern or
 * backend id, or an entry a reader would not read back as it is.
 */
export async function writeRouteTable(
  kv: KV,
  prev: RouteTable | undefined,
  next: RouteTable,
): Promise<WriteResult> {
  const endpointsByPattern = indexUnique(next.endpoints, (e) => e.pattern, "endpoint");
  const backendsById = indexUnique(next.backends, (b) => b.id, "backend");
  const diff = diffTables(prev, next);
  const puts: [string, Endpoint | Backend][] = [
    ...diff.changedEndpoints.map((pattern): [string, Endpoint] => [
      endpointKey(pattern),
      endpointsByPattern.get(pattern) as Endpoint,
    ]),
    ...diff.changedBackends.map((id): [string, Backend] => [backendKey(id), backendsById.get(id) as Backend]),
  ];
  for (const [key, entry] of puts) checkRoundTrip(key, entry);
  const deletes =
    prev === undefined
      ? await staleKeys(kv, endpointsByPattern, backendsById)
      : [...diff.removedEndpoints.map(endpointKey), ...diff.removedBackends.map(backendKey)];

  await runBounded(puts, IN_FLIGHT, ([key, entry]) => kv.put(key, encodeEntry(entry)));
  await runBounded(deletes, IN_FLIGHT, (key) => kv.delete(key));
  const meta: RoutesMeta = {
    version: next.version,
    hash: hashTable(next),
    generatedAt: next.generatedAt,
    endpointCount: next.endpoints.length,
    backendCount: next.backends.length,
  };
  await kv.put(META_KEY, codecs.routesMeta.encode(meta));
  return { written: puts.length, deleted: deletes.length };
}

function indexUnique<T>(items: readonly T[], keyOf: (item: T) => string, kind: string): Map<string, T> {
  const index = new Map<string, T>();
  for (const item of items) {
    const key = keyOf(item);
    if (index.has(key))
      throw new RouteTableError(`${kind} ${JSON.stringify(key)}`, "appears twice in the table");
    index.set(key, item);
  }
  return index;
}

/** A reader hashes what it parses; an entry that parses differently would never make a consistent table. */
function checkRoundTrip(key: string, entry: Endpoint | Backend): void {
  const isEndpoint = key.startsWith("endpoint.");
  try {
    const parsed = isEndpoint ? parseEndpoint(entry) : parseBackend(entry);
    if (!sameEntry(isEndpoint, entry, parsed)) {
      throw new RouteTableError(key, "has fields a reader would drop or change");
    }
  } catch (error) {
    if (error instanceof RouteTableError) throw error;
    throw new RouteTableError(key, `is not valid: ${(error as Error).message}`, { cause: error });
  }
}

/** Endpoint and backend keys in the bucket that `next` does not have. */
async function staleKeys(
  kv: KV,
  endpoints: Map<string, unknown>,
  backends: Map<string, unknown>,
): Promise<string[]> {
  const stale: string[] = [];
  for await (const key of await kv.keys()) {
    const parsed = parseRouteKey(key);
    if (parsed?.kind === "endpoint" && !endpoints.has(parsed.pattern)) stale.push(key);
    if (parsed?.kind === "backend" && !backends.has(parsed.id)) stale.push(key);
  }
  return stale;
}
