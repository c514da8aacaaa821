// The last good Marathon app list: what a `/v2/apps` answer may replace, translated
// with route-model's marathonAppsToSnapshot and emitted as the Marathon snapshot.
import type { Clock } from "@signalbox/backoff";
import { marathonAppsToSnapshot } from "@signalbox/route-model";
import type { Logger } from "pino";
import type { WatcherMetrics } from "../../metrics.js";
import type { ProviderSnapshot } from "../provider.js";

export interface AppList {
  /**
   * A good answer. An empty list replaces a non-empty (or not yet known) one only when seen
   * twice in a row: a Marathon that just restarted or lost its leader may answer `[]`.
   */
  accept(apps: unknown[]): void;
  /** A failed, slow or malformed answer: the last good list stands. */
  reject(reason: string): void;
}

export interface AppListOptions {
  clock: Clock;
  logger: Logger;
  metrics: WatcherMetrics;
  emit: (snapshot: ProviderSnapshot) => void;
  /** Asks for a confirming fetch after a first empty answer. */
  confirmEmpty: () => void;
}

export function createAppList(opts: AppListOptions): AppList {
  const { logger, metrics } = opts;
  let goodCount: number | undefined;
  let emptyInARow = 0;
  let logged = new Set<string>();

  const reject = (reason: string) => {
    metrics.marathonFetches.inc({ result: "failed" });
    logger.warn({ reason }, "Marathon /v2/apps failed; keeping the last good app list");
  };

  return {
    reject,
    accept(apps) {
      // Before the first good list the table in KV may well hold Marathon's apps: treat it as non-empty.
      if (apps.length === 0 && goodCount !== 0) {
        emptyInARow++;
        if (emptyInARow < 2) {
          metrics.marathonFetches.inc({ result: "held-empty" });
          logger.warn(
            { previousApps: goodCount },
            "Marathon answered no apps; holding the last list until confirmed",
          );
          opts.confirmEmpty();
          return;
        }
      }
      let translated: ReturnType<typeof marathonAppsToSnapshot>;
      try {
        translated = marathonAppsToSnapshot(apps, { now: opts.clock.now() });
      } catch (error) {
        reject(`translation failed: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      emptyInARow = 0;
      goodCount = apps.length;
      metrics.marathonFetches.inc({ result: "ok" });
      metrics.marathonApps.set(apps.length);
      metrics.providerWarnings.set({ source: "marathon" }, translated.warnings.length);
      // Each warning is logged when it first appears, not on every reload.
      for (const warning of translated.warnings) {
        if (!logged.has(warning)) logger.warn({ warning }, "Marathon app skipped or trimmed");
      }
      logged = new Set(translated.warnings);
      opts.emit({
        source: "marathon",
        endpoints: translated.endpoints,
        backends: translated.backends,
        warnings: translated.warnings,
      });
    },
  };
}
