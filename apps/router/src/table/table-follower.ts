// Keeps the TableStore current from NATS: reads the table from KV at start, then follows KV
// changes, handing the store what changed so it compiles only that; `routes.updated` announcing
// a newer version than the store's triggers a re-read if the watch has not delivered it shortly
// after. Errors back off and retry; the last good table stays.

import { type Clock, createBackoff, sleep, type TimerHandle } from "@signalbox/backoff";
import {
  codecs,
  type connectNats,
  followRouteTables,
  openRoutesBucket,
  readRouteTable,
  type SkippedKeys,
  subjects,
} from "@signalbox/bus";
import type { RouteTable } from "@signalbox/route-model";
import type { Logger } from "pino";
import type { TableChangesFrom, TableStore } from "./table-store.js";

export type NatsConnection = Awaited<ReturnType<typeof connectNats>>;

export interface TableFollowerDeps {
  nc: NatsConnection;
  store: TableStore;
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
  /** How long a `routes.updated` may run ahead of the KV watch before the table is re-read. */
  catchUpMs?: number;
  onApplied?(table: RouteTable): void;
  /** Counts the bucket's unusable keys (for /metrics); the router skips them. */
  skipped?: SkippedKeys;
}

/** Runs until `signal` aborts; never rejects. */
export async function followTables(deps: TableFollowerDeps): Promise<void> {
  const { nc, logger, signal, clock } = deps;
  const catchUpMs = deps.catchUpMs ?? 1000;
  const backoff = createBackoff({ baseMs: 200, capMs: 5000 });
  let announced = -1;
  let catchUp: TimerHandle | undefined;
  let kv: Awaited<ReturnType<typeof openRoutesBucket>> | undefined;
  const readOptions = { signal, logger, ...(deps.skipped && { skipped: deps.skipped }) };

  const apply = (table: RouteTable, changes?: TableChangesFrom): void => {
    try {
      const swapped = deps.store.apply(table, changes);
      if (swapped !== undefined) {
        logger.info({ version: table.version, endpoints: table.endpoints.length }, "route table applied");
        deps.onApplied?.(table);
      }
    } catch (err) {
      logger.error({ err, version: table.version }, "route table rejected; keeping the current one");
    }
  };
  const reread = async (): Promise<void> => {
    catchUp = undefined;
    if (kv === undefined || (deps.store.current()?.version ?? -1) >= announced) return;
    logger.info({ announced }, "routes.updated ahead of the KV watch; re-reading the table");
    try {
      apply(await readRouteTable(kv, readOptions));
    } catch (err) {
      if (!signal.aborted) logger.warn({ err }, "re-reading the route table failed");
    }
  };

  const updates = nc.subscribe(subjects.routesUpdated, {
    callback: (err, msg) => {
      if (err) return;
      const decoded = codecs.routesUpdated.decode(msg.data);
      if (!decoded.ok) return;
      announced = Math.max(announced, decoded.value.version);
      if (catchUp === undefined && (deps.store.current()?.version ?? -1) < announced) {
        catchUp = clock.setTimeout(() => void reread(), catchUpMs);
      }
    },
  });
  signal.addEventListener("abort", () => {
    updates.unsubscribe();
    if (catchUp !== undefined) clock.clearTimeout(catchUp);
  });

  while (!signal.aborted) {
    try {
      kv = await openRoutesBucket(nc);
      apply(await readRouteTable(kv, readOptions));
      backoff.reset();
      await followRouteTables(kv, { ...readOptions, onTable: apply });
    } catch (err) {
      if (signal.aborted) break;
      logger.warn({ err }, "following the route table failed; retrying");
    }
    if (signal.aborted) break;
    await sleep(backoff.next() ?? 5000, { clock, signal }).catch(() => {});
  }
}
