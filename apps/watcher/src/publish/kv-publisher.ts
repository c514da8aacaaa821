// Publication of a built table: the changed keys of signalbox-routes (`meta` last, by
// @signalbox/bus writeRouteTable), then `routes.updated`. Guards the version: a table
// is always written on top of what KV holds, never behind it.
import { codecs, META_KEY, readRouteTable, subjects, writeRouteTable } from "@signalbox/bus";
import { diffTables, hashTable, type RouteTable } from "@signalbox/route-model";
import type { Logger } from "pino";
import type { KV, NatsConnection } from "../bus-types.js";

export interface TablePublisher {
  /**
   * Writes `next` over `prev` and announces it. When KV's `meta` is not at `prev`'s
   * version (another writer slipped in), the table in KV becomes the base and `next` is
   * renumbered on top of it. Returns the table now in KV.
   */
  publish(prev: RouteTable | undefined, next: RouteTable, hash: string): Promise<RouteTable>;
  /** The consistent table in KV (version 0 and empty when none was written). */
  read(): Promise<RouteTable>;
}

export interface KvPublisherOptions {
  kv: KV;
  nc: NatsConnection;
  logger: Logger;
}

export function createKvPublisher(opts: KvPublisherOptions): TablePublisher {
  const { kv, nc, logger } = opts;

  const metaVersion = async (): Promise<number> => {
    const entry = await kv.get(META_KEY);
    if (entry?.operation !== "PUT" || entry.value.length === 0) return 0;
    const meta = codecs.routesMeta.decode(entry.value);
    return meta.ok ? meta.value.version : 0;
  };

  return {
    read: () => readRouteTable(kv),
    async publish(prev, next, hash) {
      let base = prev;
      let table = next;
      const inKv = await metaVersion();
      if (inKv !== (prev?.version ?? 0)) {
        base = await readRouteTable(kv);
        logger.warn(
          { expected: prev?.version ?? 0, found: base.version },
          "signalbox-routes moved under this watcher; writing on top of what it holds",
        );
        if (hashTable(base) === hash) return base;
        table = { ...next, version: base.version + 1 };
      }
      await writeRouteTable(kv, base, table);
      const diff = diffTables(base, table);
      nc.publish(
        subjects.routesUpdated,
        codecs.routesUpdated.encode({
          version: table.version,
          hash,
          generatedAt: table.generatedAt,
          changed: {
            endpoints: [...diff.changedEndpoints, ...diff.removedEndpoints],
            backends: [...diff.changedBackends, ...diff.removedBackends],
          },
        }),
      );
      return table;
    },
  };
}
