// The table builder: keeps the latest snapshot of every source, and after each burst
// of changes merges, assigns route ids and, while this watcher leads, publishes a new
// version unless nothing changed; compiles the table to collect its warnings.
import { type Clock, createBackoff, type TimerHandle } from "@signalbox/backoff";
import {
  type BackendSource,
  createDeniedRanges,
  type DeniedRanges,
  diffTables,
  normalizePattern,
  type RouteTable,
  type TableDiff,
  type TableHashState,
} from "@signalbox/route-model";
import type { Logger } from "pino";
import type { WatcherMetrics } from "../metrics.js";
import type { ProviderSnapshot } from "../providers/provider.js";
import { isEmptyDiff, type TablePublisher } from "../publish/kv-publisher.js";
import { createCoalescedTask } from "../scheduling/coalesced-task.js";
import { createConnectedAtKeeper } from "./connected-at.js";
import { refuseDeniedAddresses } from "./denied-backends.js";
import { createSnapshotMerger } from "./merge-snapshots.js";
import { hashStateOf } from "./running-hash.js";
import { createTableWarnings } from "./table-warnings.js";

export interface TableBuilderOptions {
  clock: Clock;
  random: () => number;
  logger: Logger;
  metrics: WatcherMetrics;
  /** Window folding updates into one build (sources debounce their own bursts: 0 is fine). */
  debounceMs: number;
  /** At most one warnings compile per this window (a full compile of a 100k-backend table takes ~1 s). */
  warningsDebounceMs?: number;
  /** Nothing is published before each of these sources sent its first snapshot. */
  sources: readonly BackendSource[];
  publisher: TablePublisher;
  /** Checked before every write: does this watcher still hold the leader lease? */
  mayWrite: () => boolean;
  /** Backend addresses left out with a warning (default: the link-local ranges only). */
  deniedRanges?: DeniedRanges;
}

export interface TableBuilder {
  /** Replaces the source's snapshot; a rebuild follows after the debounce. */
  update(snapshot: ProviderSnapshot): void;
  /** The last table published, resumed from or followed (ids assigned); undefined before any. */
  current(): RouteTable | undefined;
  /** Sources whose first snapshot has not come yet: nothing is published until none is left. */
  waitingFor(): BackendSource[];
  /** Called with every new current table; returns the unsubscribe function. */
  onTable(listener: (table: RouteTable) => void): () => void;
  /** Becoming leader: continue from the table in KV (its version and its route ids). */
  resume(table: RouteTable): void;
  /** Losing the lease: stop writing. */
  pause(): void;
  /** A standby saw another watcher publish this table. */
  observe(table: RouteTable): void;
  /** Resolves once no rebuild is waiting or running (the background warnings compile aside). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Versions only go up: each publication is `current().version + 1`, written on top of what
 * KV holds. Every merged endpoint is validated before it is published; the full compile
 * (shadowed patterns, routes without backends) runs after publication, off the change path.
 */
export function createTableBuilder(opts: TableBuilderOptions): TableBuilder {
  const { clock, logger, metrics } = opts;
  const snapshots = new Map<BackendSource, ProviderSnapshot>();
  const connectedAt = createConnectedAtKeeper();
  const merger = createSnapshotMerger({
    adjustBackend: connectedAt.adjust,
    refuseBackend: refuseDeniedAddresses(opts.deniedRanges ?? createDeniedRanges()),
  });
  const listeners = new Set<(table: RouteTable) => void>();
  let last: RouteTable | undefined;
  let writing = false;
  /** The hash state of `last` when this builder published it (publications follow it). */
  let lastHash: TableHashState | undefined;
  let mergeWarnings: string[] = [];
  const tableWarnings = createTableWarnings({ logger, random: opts.random });
  /** A failed publication is retried after a back-off even when no new change comes. */
  const retryBackoff = createBackoff({ baseMs: 500, capMs: 30_000, random: opts.random });
  let retryTimer: TimerHandle | undefined;

  /** `diff` is from the previous current table when known (a publication), to keep this O(change). */
  const setCurrent = (table: RouteTable, diff?: TableDiff) => {
    last = table;
    lastHash = undefined;
    connectedAt.record(table, diff);
    tableWarnings.follow(table, diff);
    metrics.tableVersion.set(table.version);
    for (const listener of listeners) {
      try {
        listener(table);
      } catch (error) {
        logger.error({ err: error }, "table listener failed");
      }
    }
  };

  const collectWarnings = createCoalescedTask({
    clock,
    debounceMs: opts.warningsDebounceMs ?? 1_000,
    onError: (error) => logger.error({ err: error }, "compiling the published table failed"),
    run: async () => tableWarnings.collect(mergeWarnings),
  });

  const waitingFor = () => opts.sources.filter((source) => !snapshots.has(source));
  let loggedMissing = "";

  const rebuild = async () => {
    const missing = waitingFor();
    if (missing.length > 0) {
      metrics.tableBuilds.inc({ result: "waiting" });
      const text = missing.join(",");
      if (text !== loggedMissing)
        logger.info({ missing }, "not publishing until every source has sent its first snapshot");
      loggedMissing = text;
      return;
    }
    if (!writing || !opts.mayWrite()) {
      metrics.tableBuilds.inc({ result: "standby" });
      return;
    }
    const merged = merger.merge([...snapshots.values()]);
    mergeWarnings = merged.warnings;
    const next: RouteTable = {
      version: (last?.version ?? 0) + 1,
      generatedAt: clock.now(),
      endpoints: merged.endpoints,
      backends: merged.backends,
    };
    // The merger's own account of what changed holds when it merged on top of the current table.
    const since = merged.changes?.since;
    const diff =
      merged.changes && since?.endpoints === last?.endpoints && since?.backends === last?.backends
        ? merged.changes.diff
        : diffTables(last, next);
    if (isEmptyDiff(diff)) {
      metrics.tableBuilds.inc({ result: "unchanged" });
      return;
    }
    if (!writing || !opts.mayWrite()) return;
    const started = performance.now();
    const hash = hashStateOf(next, last && lastHash && { before: lastHash, prev: last, diff });
    let written: RouteTable;
    try {
      written = await opts.publisher.publish(last, next, diff, hash.hex());
    } catch (error) {
      const delayMs = retryBackoff.next() ?? 30_000;
      metrics.tableBuilds.inc({ result: "failed" });
      logger.error(
        { err: error, version: next.version, retryInMs: delayMs },
        "publishing the route table failed",
      );
      if (retryTimer) clock.clearTimeout(retryTimer);
      retryTimer = clock.setTimeout(() => {
        retryTimer = undefined;
        task.trigger();
      }, delayMs);
      return;
    }
    retryBackoff.reset();
    metrics.publishSeconds.observe((performance.now() - started) / 1000);
    metrics.tableBuilds.inc({ result: "published" });
    logger.info(
      { version: written.version, endpoints: next.endpoints.length, backends: next.backends.length },
      "route table published",
    );
    setCurrent(written, written.endpoints === next.endpoints ? diff : undefined);
    lastHash = hash;
    collectWarnings.trigger();
  };

  const task = createCoalescedTask({
    clock,
    debounceMs: opts.debounceMs,
    run: rebuild,
    onError: (error) =>
      logger.error({ err: error }, "route table rebuild failed; retrying on the next change"),
  });

  return {
    update(snapshot) {
      snapshots.set(snapshot.source, snapshot);
      metrics.providerWarnings.set({ source: snapshot.source }, snapshot.warnings.length);
      task.trigger();
    },
    current: () => last,
    waitingFor,
    onTable(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    resume(table) {
      merger.seedIds(idsOf(table, [...snapshots.values()]));
      setCurrent(table);
      writing = true;
      logger.info({ version: table.version }, "continuing from the route table in KV");
      task.trigger();
    },
    pause() {
      writing = false;
    },
    observe(table) {
      if (!writing) setCurrent(table);
    },
    idle: () => task.idle(),
    async stop() {
      await task.stop();
      await collectWarnings.stop();
      if (retryTimer) clock.clearTimeout(retryTimer);
    },
  };
}

/**
 * The key -> id seed for a new leader: within each endpoint, a keyed route of the current
 * snapshots takes the id of the table's route with the same selector (first unused match).
 */
function idsOf(table: RouteTable, snapshots: ProviderSnapshot[]): Map<string, Map<string, string>> {
  const seed = new Map<string, Map<string, string>>();
  const routesByPattern = new Map(table.endpoints.map((endpoint) => [endpoint.pattern, endpoint.routes]));
  for (const snapshot of snapshots) {
    for (const endpoint of snapshot.endpoints) {
      let pattern: string;
      try {
        pattern = normalizePattern(endpoint.pattern);
      } catch {
        continue;
      }
      const tableRoutes = routesByPattern.get(pattern);
      if (!tableRoutes) continue;
      const ids = seed.get(pattern) ?? new Map<string, string>();
      seed.set(pattern, ids);
      const used = new Set(ids.values());
      for (const route of endpoint.routes) {
        if (route.id !== undefined) continue;
        const match = tableRoutes.find(
          (candidate) => candidate.selector === route.selector && !used.has(candidate.id),
        );
        if (match) {
          ids.set(route.key, match.id);
          used.add(match.id);
        }
      }
    }
  }
  return seed;
}
