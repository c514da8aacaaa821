// What every control API op receives, and the two ways an op fails: `invalid` (the request
// is wrong, nothing changed; CLI exit 2) and `failed` (the watcher could not do it; exit 1).
import type { Clock } from "@signalbox/backoff";
import type { ApiFailure, ApiOp, ApiReply, ApiRequest } from "@signalbox/bus";
import type { RouteTable } from "@signalbox/route-model";
import type { Logger } from "pino";
import type { CertStore } from "../certs/cert-store.js";
import type { TokenStore } from "../tokens/token-store.js";
import type { ConfigRecords } from "./config-records.js";
import type { HealthBook } from "./health-book.js";
import type { RouterStatsWindow } from "./router-stats.js";

/** The table builder as the API sees it: the merged table now, and each new one. */
export interface TableSource {
  current(): RouteTable | undefined;
  /** Calls `listener` with every new table; returns the unsubscribe function. */
  onTable(listener: (table: RouteTable) => void): () => void;
}

export interface OpContext {
  records: ConfigRecords;
  tokens: TokenStore;
  certs: CertStore;
  tables: TableSource;
  stats: RouterStatsWindow;
  health: HealthBook;
  clock: Clock;
  random: () => number;
  /** How long a change waits to show in the builder's table before the reply goes anyway. */
  settleTimeoutMs: number;
  logger: Logger;
}

export type OpHandler<O extends ApiOp> = (request: ApiRequest<O>, ctx: OpContext) => Promise<ApiReply<O>>;

/** The request is wrong; `message` names the field and the value and says what to change. */
export function invalid(message: string): ApiFailure {
  return { ok: false, error: { code: "invalid", message } };
}

/** The request was fine but the watcher could not carry it out (KV unavailable, a race). */
export function failed(message: string): ApiFailure {
  return { ok: false, error: { code: "failed", message } };
}
