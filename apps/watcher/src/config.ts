// The watcher's configuration: environment variables -> a typed Config (contract:
// ARCHITECTURE.md "Configuration"), and the HELP text that lists them.
import { hostname } from "node:os";
import type { CidrSet } from "@signalbox/route-model";
import {
  type Env,
  type ListenAddress,
  readCidrSet,
  readInteger,
  readListenAddress,
  readLogLevel,
  readNatsEnv,
} from "@signalbox/service";
import { ConfigError } from "./errors.js";

/** One Marathon master; credentials from `user:password@` travel as a basic auth header. */
export interface MarathonMaster {
  /** Origin plus optional base path, no credentials, no trailing slash: `http://m1:8080`. */
  url: string;
  /** `Basic <base64>` when the URL carried a user. */
  authorization?: string;
}

export interface Config {
  /** Empty when MARATHON_URL is unset: no Marathon provider. */
  marathonMasters: MarathonMaster[];
  routesFile?: string;
  /** NATS_* variables as given, handed to @signalbox/bus `connectNats`. */
  natsEnv: Record<string, string | undefined>;
  logLevel: string;
  resyncMs: number;
  staleStreamMs: number;
  debounceMs: number;
  marathonTimeoutMs: number;
  watcherId: string;
  leaseTtlMs: number;
  /** Heartbeat interval told to agents; 3 missed intervals remove the backend (contract). */
  agentHeartbeatMs: number;
  adminListen: ListenAddress;
  /** WATCHER_DENY_BACKEND_CIDRS: refused besides the link-local ranges (always refused). */
  denyBackendCidrs: CidrSet;
}

export const HELP = `signalbox watcher: providers (Marathon, routes file, agents, control API) -> one
versioned route table in NATS KV signalbox-routes, announced on routes.updated.

Environment:
  MARATHON_URL              Marathon masters, comma-separated; user:password@ is sent as
                            basic auth (unset: no Marathon provider)
  ROUTES_FILE               YAML or JSON routes file, reloaded on change (unset: none)
  NATS_URL                  default nats://127.0.0.1:4222 (comma-separated for a cluster)
  NATS_USER, NATS_PASSWORD, NATS_TOKEN, NATS_CREDS   NATS credentials (default unset)
  LOG_LEVEL                 trace|debug|info|warn|error|fatal|silent (default info)
  WATCHER_ADMIN_LISTEN      host:port of the dashboard (/), /events, /explain?url=, /healthz
                            and /metrics (default 127.0.0.1:9091)
  WATCHER_ID                this watcher's name in the leader lease (default <hostname>-<pid>)
  WATCHER_LEASE_TTL_MS      leader lease lifetime; renewed every third of it (default 5000)
  WATCHER_RESYNC_MS         full Marathon and routes-file resync period (default 300000)
  WATCHER_STALE_STREAM_MS   warn and reconnect when the Marathon stream was silent this long
                            (default 30000; Marathon sends a keep-alive every 10 s)
  WATCHER_DEBOUNCE_MS       burst coalescing window for reloads and rebuilds (default 50)
  WATCHER_MARATHON_TIMEOUT_MS  deadline of one /v2/apps fetch (default 10000)
  WATCHER_AGENT_HEARTBEAT_MS   heartbeat interval asked of agents; 3 missed remove the
                            backend (default 2000)
  WATCHER_DENY_BACKEND_CIDRS   backend address ranges to refuse, comma-separated CIDRs
                            (10.0.0.0/8,fd00::/8); 169.254.0.0/16 and fe80::/10 are always
                            refused; a refused backend is left out with a table warning
                            (default unset: link-local only)
`;

/** Reads the watcher's variables; throws ConfigError naming the first bad variable and its value. */
export function loadConfig(env: Env): Config {
  const ms = (name: string, fallback: number, min = 1) => readInteger(env, name, { default: fallback, min });
  const routesFile = env.ROUTES_FILE?.trim();
  return {
    marathonMasters: parseMasters(env.MARATHON_URL),
    ...(routesFile ? { routesFile } : {}),
    natsEnv: readNatsEnv(env),
    logLevel: readLogLevel(env),
    resyncMs: ms("WATCHER_RESYNC_MS", 300_000),
    staleStreamMs: ms("WATCHER_STALE_STREAM_MS", 30_000),
    debounceMs: ms("WATCHER_DEBOUNCE_MS", 50, 0),
    marathonTimeoutMs: ms("WATCHER_MARATHON_TIMEOUT_MS", 10_000),
    watcherId: env.WATCHER_ID?.trim() || `${hostname()}-${process.pid}`,
    leaseTtlMs: ms("WATCHER_LEASE_TTL_MS", 5_000),
    agentHeartbeatMs: ms("WATCHER_AGENT_HEARTBEAT_MS", 2_000),
    adminListen: readListenAddress(env, "WATCHER_ADMIN_LISTEN", "127.0.0.1:9091"),
    denyBackendCidrs: readCidrSet(env, "WATCHER_DENY_BACKEND_CIDRS"),
  };
}

/** `http://user:pw@m1:8080,http://m2:8080/marathon` -> masters in the order given. */
export function parseMasters(value: string | undefined): MarathonMaster[] {
  if (value === undefined || value.trim() === "") return [];
  return value.split(",").map((part) => {
    const text = part.trim();
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new ConfigError("MARATHON_URL", value, `"${text}" is not a URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ConfigError("MARATHON_URL", value, `"${text}" is not http(s)`);
    }
    const master: MarathonMaster = { url: `${url.origin}${url.pathname.replace(/\/+$/, "")}` };
    if (url.username !== "") {
      const user = decodeURIComponent(url.username);
      const password = decodeURIComponent(url.password);
      master.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    }
    return master;
  });
}
