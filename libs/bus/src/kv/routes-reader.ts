// Reads RouteTables from signalbox-routes: once (readRouteTable) or as they change
// (followRouteTables); both hand out only consistent tables (see route-table-assembler).

import type { KV, KvWatchEntry } from "@nats-io/kv";
import type { QueuedIterator } from "@nats-io/transport-node";
import { type Clock, createBackoff, sleep, systemClock } from "@signalbox/backoff";
import type { RouteTable } from "@signalbox/route-model";
import type { Logger } from "pino";
import { META_KEY } from "../subjects.js";
import { createRouteTableAssembler, type RouteTableChanges } from "./route-table-assembler.js";
import type { SkippedKeys } from "./skipped-keys.js";

export type { RouteTableChanges } from "./route-table-assembler.js";
export { createSkippedKeys, type SkippedKeys } from "./skipped-keys.js";

/** The table a router holds before any watcher has written: version 0, empty. */
export function emptyRouteTable(): RouteTable {
  return { version: 0, generatedAt: 0, endpoints: [], backends: [] };
}

export interface ReadRouteTableOptions {
  /** Stops waiting for a consistent table (rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Gives up (rejects with RouteTableTimeoutError) after this long; default READ_TIMEOUT_MS. */
  timeoutMs?: number;
  logger?: Logger;
  /** Counts and remembers the keys skipped while reading (default: not kept). */
  skipped?: SkippedKeys;
}

/** Long enough to read a 100k-backend table on a busy machine, short enough that a start never hangs. */
export const READ_TIMEOUT_MS = 60_000;

/** readRouteTable found no consistent table in time (a writer stuck half-way, NATS not answering). */
export class RouteTableTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no consistent route table in signalbox-routes within ${timeoutMs} ms`);
    this.name = "RouteTableTimeoutError";
  }
}

/**
 * The latest consistent table in the bucket; version 0 and empty when no `meta` was ever
 * written. Should the watcher be writing while this reads, it waits for that write's
 * `meta` rather than returning a mix, but never longer than `timeoutMs`.
 */
export async function readRouteTable(kv: KV, opts: ReadRouteTableOptions = {}): Promise<RouteTable> {
  const timeoutMs = opts.timeoutMs ?? READ_TIMEOUT_MS;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new RouteTableTimeoutError(timeoutMs)), timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout.signal]) : timeout.signal;
  let watch: QueuedIterator<KvWatchEntry> | undefined;
  const stop = () => watch?.stop();
  signal.addEventListener("abort", stop, { once: true });
  try {
    const meta = await abortable(kv.get(META_KEY), signal);
    if (meta === null || meta.operation !== "PUT") return emptyRouteTable();
    const assembler = createRouteTableAssembler({
      ...(opts.logger && { logger: opts.logger }),
      ...(opts.skipped && { skipped: opts.skipped }),
    });
    watch = await abortable(kv.watch(), signal);
    if (signal.aborted) watch.stop();
    for await (const entry of watch) {
      const assembled = assembler.apply(entry);
      if (assembled) return assembled.table;
    }
    signal.throwIfAborted();
    throw new Error("the routes bucket watch ended before a consistent table arrived");
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", stop);
    watch?.stop();
  }
}

/** `promise`, or the signal's reason as soon as it aborts (the promise itself is left to settle). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

export interface FollowRouteTablesOptions {
  /** Aborting ends the follow: the promise then resolves. */
  signal: AbortSignal;
  /**
   * Called with every consistent table: the current one first, then each one written after.
   * `changes` lists the keys whose content differs from the table of the call before (undefined
   * on the first call), so a caller can follow a large table change by change.
   */
  onTable(table: RouteTable, changes: RouteTableChanges | undefined): void;
  logger?: Logger;
  /** Counts and remembers the keys skipped (default: not kept). */
  skipped?: SkippedKeys;
  /** For the pause before watching again after the watch broke (default systemClock). */
  clock?: Clock;
}

/** Pause before re-watching after the watch broke (NATS gone, consumer lost). */
const REWATCH_BACKOFF = { baseMs: 200, capMs: 5_000 };

/**
 * Watches the bucket and calls onTable at every `meta` that completes a consistent table
 * (nothing for a bucket no watcher has written yet: call readRouteTable for that version 0).
 * When the watch breaks (NATS down) it watches again from the next revision, keeping what
 * it has, so callers keep their last good table meanwhile. Resolves when `signal` aborts.
 * Per `meta` the work is O(keys changed), not O(table): the hash is followed entry by entry
 * and the new table's sorted arrays are the previous ones with the changed keys patched in.
 */
export async function followRouteTables(kv: KV, opts: FollowRouteTablesOptions): Promise<void> {
  const { signal, logger: log } = opts;
  const assembler = createRouteTableAssembler({
    ...(log && { logger: log }),
    ...(opts.skipped && { skipped: opts.skipped }),
  });
  const backoff = createBackoff(REWATCH_BACKOFF);
  let lastRevision = 0;
  while (!signal.aborted) {
    let watch: QueuedIterator<KvWatchEntry> | undefined;
    const stop = () => watch?.stop();
    signal.addEventListener("abort", stop, { once: true });
    try {
      watch = await kv.watch(lastRevision > 0 ? { resumeFromRevision: lastRevision + 1 } : {});
      if (signal.aborted) break;
      for await (const entry of watch) {
        lastRevision = entry.revision;
        backoff.reset();
        const assembled = assembler.apply(entry);
        if (assembled) opts.onTable(assembled.table, assembled.changes);
      }
      if (!signal.aborted) log?.warn({ lastRevision }, "routes bucket watch ended; watching again");
    } catch (error) {
      if (signal.aborted) break;
      log?.warn({ err: error, lastRevision }, "routes bucket watch failed; watching again");
    } finally {
      signal.removeEventListener("abort", stop);
      watch?.stop();
    }
    await sleep(backoff.next() ?? REWATCH_BACKOFF.capMs, { clock: opts.clock ?? systemClock, signal }).catch(
      () => undefined,
    );
  }
}
