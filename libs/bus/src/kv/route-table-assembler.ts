// Rebuilds RouteTables from signalbox-routes entries in stream order. A table is handed
// out only at a `meta` whose counts and hash the entries applied so far match: a watch
// that starts mid-write (history 1 drops superseded values) or a broken entry never
// yields a mixed table.

import { type Backend, type Endpoint, hashTable, type RouteTable } from "@signalbox/route-model";
import type { Logger } from "pino";
import { codecs } from "../codecs.js";
import { parseRouteKey } from "../subjects.js";
import { decodeBackend, decodeEndpoint } from "./route-entry.js";

/** One KV change as the watch delivers it. */
export interface RouteEntry {
  key: string;
  operation: "PUT" | "DEL" | "PURGE";
  value: Uint8Array;
}

export interface RouteTableAssembler {
  /** Applies one change; returns the table when `entry` is a `meta` the state is consistent with. */
  apply(entry: RouteEntry): RouteTable | undefined;
}

export function createRouteTableAssembler(opts: { logger?: Logger } = {}): RouteTableAssembler {
  const endpoints = new Map<string, Endpoint>();
  const backends = new Map<string, Backend>();
  /** Keys whose current value does not decode: no table is consistent while any is left. */
  const broken = new Set<string>();
  const log = opts.logger;

  const applyMeta = (entry: RouteEntry): RouteTable | undefined => {
    if (entry.operation !== "PUT") return undefined;
    const meta = codecs.routesMeta.decode(entry.value);
    if (!meta.ok) {
      log?.error({ key: entry.key, reason: meta.reason }, "ignored an invalid routes meta");
      return undefined;
    }
    const { version, hash, generatedAt, endpointCount, backendCount } = meta.value;
    const table: RouteTable = {
      version,
      generatedAt,
      endpoints: [...endpoints.values()].sort((a, b) => byText(a.pattern, b.pattern)),
      backends: [...backends.values()].sort((a, b) => byText(a.id, b.id)),
    };
    const complete = endpoints.size === endpointCount && backends.size === backendCount && broken.size === 0;
    if (complete && hashTable(table) === hash) return table;
    // Normal when a watch starts while the watcher is writing: the next meta completes it.
    log?.info(
      {
        version,
        endpoints: endpoints.size,
        endpointCount,
        backends: backends.size,
        backendCount,
        brokenKeys: [...broken].slice(0, 10),
      },
      "routes meta does not match the entries read so far; waiting for the next meta",
    );
    return undefined;
  };

  return {
    apply(entry) {
      const key = parseRouteKey(entry.key);
      if (key === undefined) {
        log?.warn({ key: entry.key }, "ignored an unknown key in the routes bucket");
        return undefined;
      }
      if (key.kind === "meta") return applyMeta(entry);
      const map: Map<string, Endpoint | Backend> = key.kind === "endpoint" ? endpoints : backends;
      const id = key.kind === "endpoint" ? key.pattern : key.id;
      broken.delete(entry.key);
      if (entry.operation !== "PUT") {
        map.delete(id);
        return undefined;
      }
      const decoded = key.kind === "endpoint" ? decodeEndpoint(entry.value) : decodeBackend(entry.value);
      const decodedId = !decoded.ok
        ? undefined
        : "pattern" in decoded.value
          ? decoded.value.pattern
          : decoded.value.id;
      if (decoded.ok && decodedId === id) {
        map.set(id, decoded.value);
      } else {
        map.delete(id);
        broken.add(entry.key);
        const reason = decoded.ok
          ? `holds ${JSON.stringify(decodedId)}, not ${JSON.stringify(id)}`
          : decoded.reason;
        log?.error({ key: entry.key, reason }, "invalid entry in the routes bucket");
      }
      return undefined;
    },
  };
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
