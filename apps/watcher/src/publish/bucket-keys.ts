// The keys of signalbox-routes as they appear (a headers-only watch: key names, no values),
// so the leader can delete at its next publication the keys that are not its table's: a
// stranger's `backend.y`, even one that decodes, would otherwise throw every reader's
// counts off for good. Costs one small message per key written.
import { type Clock, createBackoff, sleep } from "@signalbox/backoff";
import { META_KEY } from "@signalbox/bus";
import type { Logger } from "pino";
import type { KV } from "../bus-types.js";

export interface BucketKeys {
  /** Keys put since they were last settled, sorted: each may or may not be the table's. */
  unsettled(): string[];
  /** The publisher checked these against its table (kept or deleted). */
  settle(keys: readonly string[]): void;
  stop(): void;
}

/** Keys remembered at most; past it new keys are not (a flood of keys must not grow memory without bound). */
const MAX_UNSETTLED = 1_000_000;
const REWATCH_BACKOFF = { baseMs: 200, capMs: 5_000 };

export function watchBucketKeys(kv: KV, opts: { logger: Logger; clock: Clock }): BucketKeys {
  const { logger, clock } = opts;
  const unsettled = new Set<string>();
  const stopping = new AbortController();
  const { signal } = stopping;
  const backoff = createBackoff(REWATCH_BACKOFF);

  void (async () => {
    let lastRevision = 0;
    while (!signal.aborted) {
      try {
        const watch = await kv.watch({
          headers_only: true,
          ...(lastRevision > 0 && { resumeFromRevision: lastRevision + 1 }),
        });
        const stop = () => watch.stop();
        signal.addEventListener("abort", stop, { once: true });
        try {
          for await (const entry of watch) {
            lastRevision = entry.revision;
            backoff.reset();
            if (entry.key === META_KEY) continue;
            if (entry.operation !== "PUT") unsettled.delete(entry.key);
            else if (unsettled.size < MAX_UNSETTLED) unsettled.add(entry.key);
          }
        } finally {
          signal.removeEventListener("abort", stop);
          watch.stop();
        }
      } catch (error) {
        if (!signal.aborted) logger.warn({ err: error }, "watching the routes bucket's keys failed; again");
      }
      await sleep(backoff.next() ?? REWATCH_BACKOFF.capMs, { clock, signal }).catch(() => undefined);
    }
  })();

  return {
    unsettled: () => [...unsettled].sort(),
    settle(keys) {
      for (const key of keys) unsettled.delete(key);
    },
    stop: () => stopping.abort(),
  };
}
