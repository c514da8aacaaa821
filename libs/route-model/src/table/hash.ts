// The content hash of a route table: what routers and the watcher compare to skip unchanged tables,
// and what a KV reader checks a table against. Order-independent, updatable entry by entry.
import { hash } from "node:crypto";
import type { Backend, Endpoint, RouteTable } from "../model/types.js";
import { backendDigest, DIGEST_WORDS, type EntryDigest, endpointDigest } from "./entry-digest.js";

/** Each word sum is kept modulo 2^48: exact in a double, and addition modulo m does not care about order. */
const MODULUS = 2 ** 48;

/**
 * A running table hash: the sums, word by word and modulo 2^48, of the entry digests of the
 * endpoints and (apart) of the backends, with their counts. Adding and removing an entry costs
 * the same whatever the table's size, so a reader or an incremental compile follows a table
 * change by change instead of rehashing it. `hex()` of a state holding exactly a table's entries
 * is hashTable(table).
 */
export class TableHashState {
  private readonly sums: Float64Array;
  private endpointCount: number;
  private backendCount: number;

  constructor(from?: TableHashState) {
    this.sums = from === undefined ? new Float64Array(2 * DIGEST_WORDS) : from.sums.slice();
    this.endpointCount = from?.endpointCount ?? 0;
    this.backendCount = from?.backendCount ?? 0;
  }

  /** A state holding every entry of `table`. */
  static of(table: Pick<RouteTable, "endpoints" | "backends">): TableHashState {
    const state = new TableHashState();
    for (const endpoint of table.endpoints) state.addEndpoint(endpoint);
    for (const backend of table.backends) state.addBackend(backend);
    return state;
  }

  /** An independent copy. */
  clone(): TableHashState {
    return new TableHashState(this);
  }

  addEndpoint(endpoint: Endpoint): void {
    this.endpointCount++;
    this.add(0, endpointDigest(endpoint), 1);
  }

  /** Takes out an endpoint added before (the same content; not checked). */
  removeEndpoint(endpoint: Endpoint): void {
    this.endpointCount--;
    this.add(0, endpointDigest(endpoint), -1);
  }

  addBackend(backend: Backend): void {
    this.backendCount++;
    this.add(DIGEST_WORDS, backendDigest(backend), 1);
  }

  /** Takes out a backend added before (the same content; not checked). */
  removeBackend(backend: Backend): void {
    this.backendCount--;
    this.add(DIGEST_WORDS, backendDigest(backend), -1);
  }

  /** sha256 hex of the counts and sums: the table hash. */
  hex(): string {
    const endpoints = Array.from(this.sums.subarray(0, DIGEST_WORDS)).join(" ");
    const backends = Array.from(this.sums.subarray(DIGEST_WORDS)).join(" ");
    return hash(
      "sha256",
      `signalbox-table 2\nendpoints ${this.endpointCount} ${endpoints}\nbackends ${this.backendCount} ${backends}\n`,
      "hex",
    );
  }

  private add(at: number, digest: EntryDigest, sign: 1 | -1): void {
    const sums = this.sums;
    sums[at] = wrap((sums[at] ?? 0) + sign * digest.w0);
    sums[at + 1] = wrap((sums[at + 1] ?? 0) + sign * digest.w1);
    sums[at + 2] = wrap((sums[at + 2] ?? 0) + sign * digest.w2);
    sums[at + 3] = wrap((sums[at + 3] ?? 0) + sign * digest.w3);
    sums[at + 4] = wrap((sums[at + 4] ?? 0) + sign * digest.w4);
    sums[at + 5] = wrap((sums[at + 5] ?? 0) + sign * digest.w5);
    sums[at + 6] = wrap((sums[at + 6] ?? 0) + sign * digest.w6);
    sums[at + 7] = wrap((sums[at + 7] ?? 0) + sign * digest.w7);
  }
}

/** `value` (within one 24-bit word of [0, MODULUS)) brought back into [0, MODULUS). */
function wrap(value: number): number {
  return value >= MODULUS ? value - MODULUS : value < 0 ? value + MODULUS : value;
}

/**
 * sha256 hex over the counts and order-independent sums of the entries' digests (see
 * entry-digest.ts: sha256 of each entry's canonical JSON, endpoints and backends kept apart).
 * The same table gives the same hash whatever the order of endpoints, routes, backends or object
 * keys; any change to an entry changes it; `version` and `generatedAt` are not part of it; a
 * filter chain's order is. Entry digests are cached per entry object (entries are immutable), so
 * hashing a table that shares most entries with one hashed before costs a walk, not a
 * serialisation of every entry.
 */
export function hashTable(table: Pick<RouteTable, "endpoints" | "backends">): string {
  return TableHashState.of(table).hex();
}
