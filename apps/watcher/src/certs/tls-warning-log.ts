// The TLS warnings in the watcher's log, beside the route table's: an endpoint that asks for TLS
// with no certificate covering its host, a certificate expiring within 14 days. Checked at start
// and every minute (an expiry approaches without any change to react to); each warning is logged
// once while it holds, and again only after it cleared and came back.
import type { Clock, TimerHandle } from "@signalbox/backoff";
import { tlsWarnings } from "@signalbox/tls";
import type { Logger } from "pino";
import type { TableSource } from "../api/op-context.js";
import type { CertStore } from "./cert-store.js";

const CHECK_EVERY_MS = 60_000;

export interface TlsWarningLogDeps {
  tables: TableSource;
  certs: CertStore;
  clock: Clock;
  logger: Logger;
  checkEveryMs?: number;
}

export interface TlsWarningLog {
  /** One check now; resolves with the warnings that hold. */
  check(): Promise<string[]>;
  stop(): Promise<void>;
}

export function startTlsWarningLog(deps: TlsWarningLogDeps): TlsWarningLog {
  const { clock, logger } = deps;
  let logged = new Set<string>();
  const check = async (): Promise<string[]> => {
    const table = deps.tables.current();
    if (table === undefined) return [];
    const warnings = tlsWarnings(table.endpoints, await deps.certs.list(), clock.now());
    for (const warning of warnings) if (!logged.has(warning)) logger.warn({ warning }, "TLS warning");
    logged = new Set(warnings);
    return warnings;
  };
  let timer: TimerHandle | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = check()
      .catch((error: unknown) => logger.warn({ err: error }, "TLS warning check failed"))
      .finally(() => {
        if (!stopped) timer = clock.setTimeout(tick, deps.checkEveryMs ?? CHECK_EVERY_MS);
      });
  };
  tick();
  return {
    check: async () => {
      await running;
      return check();
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      await running;
    },
  };
}
