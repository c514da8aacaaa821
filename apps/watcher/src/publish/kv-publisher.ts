// Publication of a built table: the changed keys of signalbox-routes (`meta` last, by
// @signalbox/bus writeRouteTable), then `routes.updated`. Guards the version: a table
// is always written on top of what KV holds, never behind it. Keys a read of the bucket
// skipped (a stranger's `backend.x = "{"`) are deleted at the next publication.
import {
  codecs,
  META_KEY,
  type RoutesMeta,
  RouteTableTimeoutError,
  readRouteTable,
  type SkippedKeys,
  subjects,
  writeRouteTable,
} from "@signalbox/bus";
import { diffTables, type RouteTable, type TableDiff } from "@signalbox/route-model";
import type { Logger } from "pino";
import type { KV, NatsConnection } from "../bus-types.js";
import type { BucketKeys } from "./bucket-keys.js";

export interface TablePublisher {
  /**
   * Writes `next` over `prev` (`diff` is diffTables(prev, next), `hash` hashTable(next) when
   * known; both tables sorted by key) and announces it. When KV's `meta` is not at `prev`'s
   * version (another writer slipped in), the table in KV becomes the base and `next` is
   * renumbered on top of it. Returns the table now in KV.
   */
  publish(
    prev: RouteTable | undefined,
    next: RouteTable,
    diff: TableDiff,
    hash?: string,
  ): Promise<RouteTable>;
  /**
   * What a new leader continues from: the consistent table in KV (version 0 and empty when
   * none was written), or, when KV holds no consistent table within
   * the read timeout (keys no reader can make consistent, such as a stranger's entry that
   * decodes), an empty table at the meta's version, so the next publication writes every
   * entry again and the key watch deletes the rest. Throws when KV cannot be read at all.
   */
  resumePoint(): Promise<RouteTable>;
}

export interface KvPublisherOptions {
  kv: KV;
  nc: NatsConnection;
  logger: Logger;
  /** Shared with every reader of the bucket in this watcher (its standby follow too). */
  skipped: SkippedKeys;
  /** The bucket's keys as they appear; those not in the table are deleted at the next publication. */
  bucketKeys: BucketKeys;
  /** How long a read waits for a consistent table (default: readRouteTable's). */
  readTimeoutMs?: number;
}

/**
 * `changed` lists at most this many patterns / ids each: a whole 100k-backend table would
 * not fit NATS's max_payload (1 MB). A reader needing every key of a bigger change reads KV.
 */
export const MAX_CHANGED_LISTED = 1_000;

function capped(keys: string[]): string[] {
  return keys.length > MAX_CHANGED_LISTED ? keys.slice(0, MAX_CHANGED_LISTED) : keys;
}

export function isEmptyDiff(diff: TableDiff): boolean {
  return (
    diff.changedEndpoints.length === 0 &&
    diff.removedEndpoints.length === 0 &&
    diff.changedBackends.length === 0 &&
    diff.removedBackends.length === 0
  );
}

export function createKvPublisher(opts: KvPublisherOptions): TablePublisher {
  const { kv, nc, logger, skipped, bucketKeys } = opts;
  const readTable = () =>
    readRouteTable(kv, {
      logger,
      skipped,
      ...(opts.readTimeoutMs !== undefined && { timeoutMs: opts.readTimeoutMs }),
    });

  const readMeta = async (): Promise<RoutesMeta | undefined> => {
    const entry = await kv.get(META_KEY);
    if (entry?.operation !== "PUT" || entry.value.length === 0) return undefined;
    const meta = codecs.routesMeta.decode(entry.value);
    return meta.ok ? meta.value : undefined;
  };

  return {
    async resumePoint() {
      try {
        return await readTable();
      } catch (error) {
        if (!(error instanceof RouteTableTimeoutError)) throw error;
        const version = (await readMeta())?.version ?? 0;
        logger.error(
          { err: error, version },
          "signalbox-routes holds no consistent table; continuing from its meta's version, writing every entry again",
        );
        return { version, generatedAt: 0, endpoints: [], backends: [] };
      }
    },
    async publish(prev, next, diff, knownHash) {
      let base = prev;
      let table = next;
      let changes = diff;
      if (((await readMeta())?.version ?? 0) !== (prev?.version ?? 0)) {
        base = await readTable();
        logger.warn(
          { expected: prev?.version ?? 0, found: base.version },
          "signalbox-routes moved under this watcher; writing on top of what it holds",
        );
        changes = diffTables(base, next);
        if (isEmptyDiff(changes)) return base;
        table = { ...next, version: base.version + 1 };
      }
      const foreignKeys = bucketKeys.unsettled();
      const rewriteKeys = skipped.present();
      const { hash, repaired } = await writeRouteTable(kv, base, table, {
        diff: changes,
        foreignKeys,
        rewriteKeys,
        ...(knownHash !== undefined && { hash: knownHash }),
      });
      if (repaired.length > 0)
        logger.warn(
          { keys: repaired.slice(0, 100), count: repaired.length },
          "repaired keys that are not the table's",
        );
      bucketKeys.settle(foreignKeys);
      for (const key of rewriteKeys) skipped.clear(key);
      // Announced only while `meta` is still this table (no other writer slipped in after it).
      const meta = await readMeta();
      if (meta?.version !== table.version) {
        logger.warn(
          { version: table.version, found: meta?.version },
          "meta moved right after writing; not announced",
        );
        return table;
      }
      nc.publish(
        subjects.routesUpdated,
        codecs.routesUpdated.encode({
          version: table.version,
          hash,
          generatedAt: table.generatedAt,
          changed: {
            endpoints: capped([...changes.changedEndpoints, ...changes.removedEndpoints]),
            backends: capped([...changes.changedBackends, ...changes.removedBackends]),
          },
        }),
      );
      return table;
    },
  };
}
