// Rebuilds RouteTables from signalbox-routes entries in stream order. A table is handed
// out only at a `meta` whose counts and hash the entries applied so far match: a watch
// that starts mid-write (history 1 drops superseded values) never yields a mixed table. A key
// that does not decode or is outside the bucket's schema is skipped (SkippedKeys): the meta's
// counts and hash decide over the keys that do, so a stranger's key freezes no reader.
// Each table comes with the keys that changed since the one before.

import {
  type Backend,
  backendDigest,
  type Endpoint,
  type EntryDigest,
  endpointDigest,
  type RouteTable,
  sameDigest,
  type TableChanges,
  TableHashState,
} from "@signalbox/route-model";
import type { Logger } from "pino";
import type { DecodeResult } from "../codec.js";
import { codecs } from "../codecs.js";
import { parseRouteKey } from "../subjects.js";
import { decodeBackend, decodeEndpoint } from "./route-entry.js";
import { createSkippedKeys, type SkippedKeys } from "./skipped-keys.js";

/** One KV change as the watch delivers it. */
export interface RouteEntry {
  key: string;
  operation: "PUT" | "DEL" | "PURGE";
  value: Uint8Array;
}

/** The keys whose content differs between a table handed out and the one handed out before it. */
export interface RouteTableChanges extends TableChanges {
  /** Version and hash of the table handed out before: the changes lead from it. */
  from: { version: number; hash: string };
  /** Endpoint patterns added, changed or removed, sorted. */
  endpoints: string[];
  /** Backend ids added, changed or removed, sorted. */
  backends: string[];
}

export interface AssembledTable {
  table: RouteTable;
  /** Undefined for the first table this assembler hands out. */
  changes: RouteTableChanges | undefined;
}

export interface RouteTableAssembler {
  /** Applies one change; returns the table when `entry` is a `meta` the state is consistent with. */
  apply(entry: RouteEntry): AssembledTable | undefined;
}

/** One kind of entry (endpoints by pattern, backends by id) and what changed since the last table. */
class EntryMap<T extends Endpoint | Backend> {
  readonly current = new Map<string, T>();
  /** Key -> its entry when the last table was handed out (undefined: absent), for keys touched since. */
  private readonly before = new Map<string, T | undefined>();

  constructor(
    private readonly keyOf: (entry: T) => string,
    private readonly digestOf: (entry: T) => EntryDigest,
    private readonly hash: { add(entry: T): void; remove(entry: T): void },
  ) {}

  set(key: string, entry: T | undefined): void {
    const old = this.current.get(key);
    if (!this.before.has(key)) this.before.set(key, old);
    if (old !== undefined) this.hash.remove(old);
    if (entry === undefined) {
      this.current.delete(key);
    } else {
      this.current.set(key, entry);
      this.hash.add(entry);
    }
  }

  /** The keys whose presence or content differs from the last table, sorted; forgets them. */
  takeChanged(): string[] {
    const changed: string[] = [];
    for (const [key, old] of this.before) {
      const now = this.current.get(key);
      if (old === now) continue;
      if (old === undefined || now === undefined || !sameDigest(this.digestOf(old), this.digestOf(now))) {
        changed.push(key);
      }
    }
    this.before.clear();
    return changed.sort(byText);
  }

  /**
   * The entries, sorted by key: `previous` (the last table's, sorted) with the `changed` keys
   * put in or taken out (binary search, then copies), or all of them sorted when there is none.
   * Without changes, `previous` itself: tables are immutable, and sharing the array tells a
   * compile at a glance that nothing of that kind changed.
   */
  sorted(previous: T[] | undefined, changed: readonly string[]): T[] {
    if (previous !== undefined && changed.length === 0) return previous;
    if (previous === undefined)
      return [...this.current.values()].sort((a, b) => byText(this.keyOf(a), this.keyOf(b)));
    const out: T[] = [];
    let from = 0;
    for (const key of changed) {
      const at = this.lowerBound(previous, key, from);
      for (let i = from; i < at; i++) out.push(previous[i] as T);
      const entry = this.current.get(key);
      if (entry !== undefined) out.push(entry);
      const existing = previous[at];
      from = existing !== undefined && this.keyOf(existing) === key ? at + 1 : at;
    }
    for (let i = from; i < previous.length; i++) out.push(previous[i] as T);
    return out;
  }

  private lowerBound(entries: readonly T[], key: string, from: number): number {
    let low = from;
    let high = entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.keyOf(entries[middle] as T) < key) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

export interface RouteTableAssemblerOptions {
  logger?: Logger;
  /** Where skipped keys are counted and logged (default: a tracker of this assembler's own). */
  skipped?: SkippedKeys;
}

export function createRouteTableAssembler(opts: RouteTableAssemblerOptions = {}): RouteTableAssembler {
  // Follows the table's hash entry by entry, so checking a `meta` costs nothing per entry.
  const hash = new TableHashState();
  const endpoints = new EntryMap<Endpoint>((e) => e.pattern, endpointDigest, {
    add: (e) => hash.addEndpoint(e),
    remove: (e) => hash.removeEndpoint(e),
  });
  const backends = new EntryMap<Backend>((b) => b.id, backendDigest, {
    add: (b) => hash.addBackend(b),
    remove: (b) => hash.removeBackend(b),
  });
  const skipped = opts.skipped ?? createSkippedKeys(opts.logger ? { logger: opts.logger } : {});
  let last: { table: RouteTable; hash: string } | undefined;
  const log = opts.logger;

  const applyMeta = (entry: RouteEntry): AssembledTable | undefined => {
    if (entry.operation !== "PUT") return undefined;
    const meta = codecs.routesMeta.decode(entry.value);
    if (!meta.ok) {
      log?.error({ key: entry.key, reason: meta.reason }, "ignored an invalid routes meta");
      return undefined;
    }
    const { version, generatedAt, endpointCount, backendCount } = meta.value;
    const complete = endpoints.current.size === endpointCount && backends.current.size === backendCount;
    if (!complete || hash.hex() !== meta.value.hash) {
      // Normal when a watch starts while the watcher is writing: the next meta completes it.
      log?.info(
        {
          version,
          endpoints: endpoints.current.size,
          endpointCount,
          backends: backends.current.size,
          backendCount,
        },
        "routes meta does not match the entries read so far; waiting for the next meta",
      );
      return undefined;
    }
    const changedEndpoints = endpoints.takeChanged();
    const changedBackends = backends.takeChanged();
    const table: RouteTable = {
      version,
      generatedAt,
      endpoints: endpoints.sorted(last?.table.endpoints, changedEndpoints),
      backends: backends.sorted(last?.table.backends, changedBackends),
    };
    const changes =
      last === undefined
        ? undefined
        : {
            from: { version: last.table.version, hash: last.hash },
            endpoints: changedEndpoints,
            backends: changedBackends,
          };
    last = { table, hash: meta.value.hash };
    return { table, changes };
  };

  return {
    apply(entry) {
      const key = parseRouteKey(entry.key);
      if (key === undefined) {
        if (entry.operation === "PUT") skipped.skip(entry.key, "is not a key of the routes bucket");
        else skipped.clear(entry.key);
        return undefined;
      }
      if (key.kind === "meta") return applyMeta(entry);
      if (key.kind === "endpoint") {
        endpoints.set(
          key.pattern,
          decodeValid(entry, key.pattern, decodeEndpoint, (e) => e.pattern),
        );
      } else {
        backends.set(
          key.id,
          decodeValid(entry, key.id, decodeBackend, (b) => b.id),
        );
      }
      return undefined;
    },
  };

  /** The entry a PUT holds under `id`; undefined for a delete, or (skipping the key) a bad value. */
  function decodeValid<T>(
    entry: RouteEntry,
    id: string,
    decode: (data: Uint8Array) => DecodeResult<T>,
    idOf: (value: T) => string,
  ): T | undefined {
    skipped.clear(entry.key);
    if (entry.operation !== "PUT") return undefined;
    const decoded = decode(entry.value);
    if (decoded.ok && idOf(decoded.value) === id) return decoded.value;
    const reason = decoded.ok
      ? `holds ${JSON.stringify(idOf(decoded.value))}, not ${JSON.stringify(id)}`
      : decoded.reason;
    skipped.skip(entry.key, reason);
    return undefined;
  }
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
