// The content hash of a route table: what routers and the watcher compare to skip unchanged tables.
import { createHash } from "node:crypto";
import type { RouteTable } from "../model/types.js";
import { canonicalBackend, canonicalEndpoint, compareText } from "./canonical.js";

/**
 * sha256 hex over the canonical endpoints (sorted by pattern, routes by id) and backends (sorted
 * by id). The same table gives the same hash whatever the order of endpoints, routes, backends
 * or object keys; `version` and `generatedAt` are not part of it. A filter chain's order is.
 */
export function hashTable(table: Pick<RouteTable, "endpoints" | "backends">): string {
  const hash = createHash("sha256");
  const endpoints = table.endpoints.map(canonicalEndpoint).sort(compareText);
  const backends = table.backends.map(canonicalBackend).sort(compareText);
  hash.update(`endpoints ${endpoints.length}\n`);
  for (const text of endpoints) hash.update(`${text}\n`);
  hash.update(`backends ${backends.length}\n`);
  for (const text of backends) hash.update(`${text}\n`);
  return hash.digest("hex");
}
