// The routes-file provider: watches ROUTES_FILE's directory (so a delete, re-create
// or atomic rename is seen), re-reads after a debounce and on every resync, and emits
// each new good version; a broken or missing file keeps the last good one.
import { type FSWatcher, watch } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import type { Clock, TimerHandle } from "@signalbox/backoff";
import type { Logger } from "pino";
import type { WatcherMetrics } from "../../metrics.js";
import { createCoalescedTask } from "../../scheduling/coalesced-task.js";
import type { Provider, ProviderSnapshot } from "../provider.js";
import { type FileCertificate, parseRoutesFile } from "./routes-file.js";

export interface FileProviderOptions {
  path: string;
  clock: Clock;
  logger: Logger;
  metrics: WatcherMetrics;
  debounceMs: number;
  /** Re-read period, in case a file system event was missed (network mounts). */
  resyncMs: number;
  /**
   * The `certificates:` of the last good file, with paths resolved against its directory; called
   * at every load and resync (certificate files change without the routes file changing).
   */
  onCertificates?(certificates: FileCertificate[]): Promise<void>;
}

/**
 * Emits only files that parse. Until one did, nothing is emitted, so the builder publishes
 * nothing: the table in KV (with the routes of the last good file) stands, and the log and
 * `/healthz` say the routes file is what the watcher waits for.
 */
export function createFileProvider(opts: FileProviderOptions): Provider {
  return { source: "file", run: (emit, signal) => runFile(opts, emit, signal) };
}

async function runFile(
  opts: FileProviderOptions,
  emit: (snapshot: ProviderSnapshot) => void,
  signal: AbortSignal,
): Promise<void> {
  const { clock, logger, metrics } = opts;
  const path = resolve(opts.path);
  const name = basename(path);
  const firstSeen = new Map<string, number>();
  /** The last text read, good or bad: an unchanged file is neither re-parsed nor re-logged. */
  let lastText: string | undefined;
  let missingLogged = false;
  /** The last good file's certificates, resolved; re-read at each trigger. */
  let certificates: FileCertificate[] | undefined;
  /** Names in the routes file's directory whose change triggers a load (the file, and certificate files there). */
  let triggers = new Set([name]);
  const syncCertificates = async () => {
    if (certificates !== undefined) await opts.onCertificates?.(certificates);
  };

  /** A file backend's `connectedAt` is when this watcher first read it, so a re-read changes nothing. */
  const connectedAt = (id: string) => {
    const at = firstSeen.get(id) ?? clock.now();
    firstSeen.set(id, at);
    return at;
  };

  const load = createCoalescedTask({
    clock,
    debounceMs: opts.debounceMs,
    onError: (error) => logger.error({ err: error, file: path }, "routes file reload failed"),
    run: async () => {
      let text: string;
      try {
        text = await readFile(path, "utf8");
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (!missingLogged) {
          metrics.routesFileLoads.inc({ result: "missing" });
          logger.error({ file: path, code }, "routes file unreadable; keeping the last good routes");
          missingLogged = true;
        }
        lastText = undefined;
        return;
      }
      missingLogged = false;
      if (text === lastText) return syncCertificates();
      lastText = text;
      const result = parseRoutesFile(text, { connectedAt });
      if (!result.ok) {
        metrics.routesFileLoads.inc({ result: "invalid" });
        logger.error(
          { file: path, line: result.line, column: result.column, reason: result.reason },
          `routes file ${path}:${result.line}: ${result.reason}; keeping the last good routes`,
        );
        return;
      }
      metrics.routesFileLoads.inc({ result: "ok" });
      metrics.providerWarnings.set({ source: "file" }, 0);
      logger.info(
        { file: path, endpoints: result.endpoints.length, backends: result.backends.length },
        "routes file loaded",
      );
      emit({ source: "file", endpoints: result.endpoints, backends: result.backends, warnings: [] });
      const base = dirname(path);
      certificates = result.certificates.map((c) => ({
        ...c,
        cert: resolve(base, c.cert),
        key: resolve(base, c.key),
      }));
      triggers = new Set([
        name,
        ...certificates
          .flatMap((c) => [c.cert, c.key])
          .filter((p) => dirname(p) === base)
          .map((p) => basename(p)),
      ]);
      await syncCertificates();
    },
  });

  // The directory, not the file: a watch on the file dies with its inode on delete or rename.
  let watcher: FSWatcher | undefined;
  const ensureWatch = () => {
    if (watcher || signal.aborted) return;
    try {
      watcher = watch(dirname(path), (_event, changed) => {
        if (changed === null || triggers.has(changed)) load.trigger();
      });
      watcher.on("error", (error) => {
        logger.warn(
          { err: error, dir: dirname(path) },
          "routes file directory watch failed; retrying on resync",
        );
        watcher?.close();
        watcher = undefined;
      });
    } catch (error) {
      logger.warn(
        { err: error, dir: dirname(path) },
        "cannot watch the routes file directory; retrying on resync",
      );
    }
  };

  let resyncTimer: TimerHandle | undefined;
  const resync = () => {
    resyncTimer = clock.setTimeout(() => {
      ensureWatch();
      load.trigger();
      resync();
    }, opts.resyncMs);
  };

  ensureWatch();
  resync();
  load.trigger();
  await new Promise<void>((done) => {
    if (signal.aborted) done();
    else signal.addEventListener("abort", () => done(), { once: true });
  });
  if (resyncTimer) clock.clearTimeout(resyncTimer);
  watcher?.close();
  await load.stop();
}
