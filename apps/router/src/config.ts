// Router configuration: environment variables -> a typed, validated RouterConfig, and the --help text.
// Contract: ARCHITECTURE.md "Configuration"; router-only knobs carry the ROUTER_ prefix.

import { hostname } from "node:os";
import { ConfigError, natsOptionsFromEnv } from "@signalbox/bus";
import type { CidrSet } from "@signalbox/route-model";
import {
  type Env,
  type ListenAddress,
  readCidrSet,
  readInteger,
  readListenAddress,
  readListenAddresses,
  readLogLevel,
  readNatsEnv,
} from "@signalbox/service";
import { type AccessLogConfig, readAccessLogConfig } from "./access-log/access-log-config.js";
import { readTracingConfig, type TracingConfig } from "./tracing/tracing-config.js";

export interface RouterConfig {
  /** ROUTER_LISTEN: one HTTP listener per entry. */
  listen: ListenAddress[];
  /** ROUTER_PROXY_PROTOCOL_LISTEN: more listeners, whose connections start with a PROXY v1/v2 header. */
  proxyProtocolListen: ListenAddress[];
  /**
   * ROUTER_TRUSTED_PROXIES: peers whose X-Forwarded-*, Forwarded and X-Real-IP are kept (and who
   * may send PROXY headers); from any other peer they are replaced by what the router saw.
   */
  trustedProxies: CidrSet;
  /** ROUTER_TLS_LISTEN: one HTTPS listener per entry; empty (unset) opens none. */
  tlsListen: ListenAddress[];
  /** ROUTER_ADMIN_LISTEN: /healthz, /readyz, /metrics, /routes, /explain. */
  adminListen: ListenAddress;
  /** Phase 1 of a drain: readiness 503 while the listeners still accept. */
  drainDelayMs: number;
  /** Phase 2 of a drain: in-flight requests and WebSockets get this long after DRAIN_DELAY_MS. */
  drainTimeoutMs: number;
  /** The NATS_* variables, handed to @signalbox/bus connectNats as they are. */
  natsEnv: Record<string, string | undefined>;
  logLevel: string;
  /** Names this replica in `stats.router.<routerId>`. */
  routerId: string;
  /** Dial timeout towards a backend; a timeout is a dial error (retried on another backend). */
  connectTimeoutMs: number;
  /** Time for a backend to send its response headers; past it the client gets 504. */
  upstreamTimeoutMs: number;
  /** Longest silence inside a backend's response body before the exchange is cut. */
  upstreamIdleTimeoutMs: number;
  /** Time a client has to send its request headers. */
  headerTimeoutMs: number;
  /** Keep-alive idle time of a client connection. */
  idleTimeoutMs: number;
  /** Largest request head (request line + headers) accepted from a client; 431 past it. */
  maxHeaderBytes: number;
  /** Connections per backend pool. */
  poolConnections: number;
  /** Requests that may wait for a connection of a full pool, per backend; past it 503 backend-busy. */
  poolQueue: number;
  /** Longest wait for a pool connection; past it 503 backend-busy. */
  poolQueueTimeoutMs: number;
  /** Silence allowed from a client owing its request body or not reading its response; then cut. */
  clientTimeoutMs: number;
  /** Largest request body; 413 past it. 0: no limit. */
  maxBodyBytes: number;
  /** A WebSocket tunnel silent both ways this long is closed. */
  tunnelIdleTimeoutMs: number;
  /** WebSocket upgrades dialled or tunnelled at once; 503 past it. */
  maxTunnels: number;
  /** Extra attempts on other backends after a dial error. */
  retries: number;
  /** Ceiling of the first retry delay (full jitter, doubling, capped at 8x). */
  retryBaseMs: number;
  /** Consecutive connection failures that eject a backend. */
  ejectAfterFailures: number;
  /** How long an ejected backend gets no requests. */
  ejectCooldownMs: number;
  /** A new backend's share ramps linearly from 10% to 100% over this window. */
  slowStartMs: number;
  /** A health verdict not republished within this long lapses (the health service is gone). */
  healthTtlMs: number;
  /** Period of `stats.router.<routerId>`. */
  statsIntervalMs: number;
  /** ROUTER_ACCESS_LOG*: where and which access-log lines are written. */
  accessLog: AccessLogConfig;
  /** OTEL_*: undefined (tracing off) unless OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  tracing: TracingConfig | undefined;
}

/** The environment variables the router reads, printed by `signalbox router --help`. */
export const HELP = `signalbox router: the HTTP data plane

Environment:
  ROUTER_LISTEN              listeners, comma-separated host:port      (0.0.0.0:8080)
  ROUTER_PROXY_PROTOCOL_LISTEN  more listeners whose connections start with a PROXY
                             protocol v1/v2 header, comma-separated host:port  (unset)
  ROUTER_TRUSTED_PROXIES     CIDR list of proxies whose forwarding headers and PROXY
                             headers are believed; others' are replaced (unset: none)
  ROUTER_TLS_LISTEN          HTTPS listeners, comma-separated host:port; certificates
                             from the KV bucket signalbox-certs         (unset: none)
  ROUTER_ADMIN_LISTEN        admin listener: /healthz /readyz /metrics /routes /explain?url=
                                                                       (127.0.0.1:9090)
  DRAIN_DELAY_MS             on SIGTERM, readiness 503 while still accepting       (5000)
  DRAIN_TIMEOUT_MS           then in-flight requests and WebSockets get this long  (30000)
  NATS_URL                   comma-separated for a cluster             (nats://127.0.0.1:4222)
  NATS_USER, NATS_PASSWORD, NATS_TOKEN, NATS_CREDS                     (unset)
  LOG_LEVEL                  fatal|error|warn|info|debug|trace|silent  (info)
  ROUTER_ID                  name in stats.router.<id>                 (<hostname>-<pid>)
  ROUTER_CONNECT_TIMEOUT_MS  dial timeout to a backend (then retried)  (2000)
  ROUTER_UPSTREAM_TIMEOUT_MS wait for a backend's response headers; 504 past it  (30000)
  ROUTER_UPSTREAM_IDLE_TIMEOUT_MS  silence allowed inside a response body      (60000)
  ROUTER_HEADER_TIMEOUT_MS   time a client has to send its headers     (10000)
  ROUTER_IDLE_TIMEOUT_MS     client keep-alive idle time               (60000)
  ROUTER_MAX_HEADER_BYTES    largest request head; 431 past it         (16384)
  ROUTER_POOL_CONNECTIONS    connections per backend                   (128)
  ROUTER_POOL_QUEUE          requests waiting for a busy backend's connection;
                             503 backend-busy past it                  (1000)
  ROUTER_POOL_QUEUE_TIMEOUT_MS  longest wait for a connection; then 503 (5000)
  ROUTER_CLIENT_TIMEOUT_MS   a client silent while it owes its body, or not reading
                             its response, is cut                      (30000)
  ROUTER_MAX_BODY_BYTES      largest request body; 413 past it; 0: no limit  (0)
  ROUTER_TUNNEL_IDLE_TIMEOUT_MS  a WebSocket silent both ways is closed  (3600000)
  ROUTER_MAX_TUNNELS         WebSockets at once; 503 past it           (10000)
  ROUTER_RETRIES             retries on another backend after a dial error  (2)
  ROUTER_RETRY_BASE_MS       first retry delay ceiling (full jitter)   (10)
  ROUTER_EJECT_AFTER         consecutive connection failures that eject a backend  (5)
  ROUTER_EJECT_COOLDOWN_MS   how long an ejected backend rests         (10000)
  ROUTER_SLOW_START_MS       ramp-up window of a new backend           (10000)
  ROUTER_HEALTH_TTL_MS       a health verdict not republished this long lapses, and
                             the source's gate alone decides again     (15000)
  ROUTER_STATS_INTERVAL_MS   period of stats.router.<id>               (1000)
  ROUTER_ACCESS_LOG          one JSON line per request: stdout, off, or a file path
                             (reopened on SIGHUP)                      (stdout)
  ROUTER_ACCESS_LOG_QUERY    true: the path in the access log keeps its query string  (false)
  ROUTER_ACCESS_LOG_SAMPLE   log 1 in N of the 1xx-3xx answers (4xx/5xx always)  (1)
  ROUTER_ACCESS_LOG_SLOW_MS  answers at least this slow are always logged; 0: off  (0)
  OTEL_EXPORTER_OTLP_ENDPOINT  tracing on: spans posted to <url>/v1/traces (OTLP/HTTP
                             JSON); a trusted proxy's traceparent is continued  (unset: off)
  OTEL_SERVICE_NAME          service.name of the spans                 (signalbox-router)
  OTEL_TRACES_SAMPLER        always_on|always_off|traceidratio|parentbased_always_on|
                             parentbased_always_off|parentbased_traceidratio
                                                                       (parentbased_always_on)
  OTEL_TRACES_SAMPLER_ARG    the ratio of the *traceidratio samplers, 0..1  (1)
`;

/** Reads the router's variables from `env`; throws ConfigError naming the first bad variable and value. */
export function loadConfig(env: Env): RouterConfig {
  const natsEnv = readNatsEnv(env);
  // Bad NATS_* values fail here (the bus's ConfigError names the variable), not in the background later.
  natsOptionsFromEnv(natsEnv);
  const int = (name: string, fallback: number, min: number) =>
    readInteger(env, name, { default: fallback, min });
  const trustedProxies = readCidrSet(env, "ROUTER_TRUSTED_PROXIES");
  const proxyProtocolListen = env.ROUTER_PROXY_PROTOCOL_LISTEN?.trim()
    ? readListenAddresses(env, "ROUTER_PROXY_PROTOCOL_LISTEN", "")
    : [];
  if (proxyProtocolListen.length > 0 && trustedProxies.empty) {
    // Every connection would be closed: PROXY headers are believed from trusted peers only.
    throw new ConfigError(
      "ROUTER_PROXY_PROTOCOL_LISTEN",
      env.ROUTER_PROXY_PROTOCOL_LISTEN,
      "needs ROUTER_TRUSTED_PROXIES to name the proxies that connect to it",
    );
  }
  return {
    listen: readListenAddresses(env, "ROUTER_LISTEN", "0.0.0.0:8080"),
    proxyProtocolListen,
    trustedProxies,
    tlsListen: env.ROUTER_TLS_LISTEN?.trim() ? readListenAddresses(env, "ROUTER_TLS_LISTEN", "") : [],
    adminListen: readListenAddress(env, "ROUTER_ADMIN_LISTEN", "127.0.0.1:9090"),
    drainDelayMs: int("DRAIN_DELAY_MS", 5000, 0),
    drainTimeoutMs: int("DRAIN_TIMEOUT_MS", 30_000, 0),
    natsEnv,
    logLevel: readLogLevel(env),
    routerId: readRouterId(env.ROUTER_ID),
    connectTimeoutMs: int("ROUTER_CONNECT_TIMEOUT_MS", 2000, 1),
    upstreamTimeoutMs: int("ROUTER_UPSTREAM_TIMEOUT_MS", 30_000, 1),
    upstreamIdleTimeoutMs: int("ROUTER_UPSTREAM_IDLE_TIMEOUT_MS", 60_000, 1),
    headerTimeoutMs: int("ROUTER_HEADER_TIMEOUT_MS", 10_000, 1),
    idleTimeoutMs: int("ROUTER_IDLE_TIMEOUT_MS", 60_000, 1),
    maxHeaderBytes: int("ROUTER_MAX_HEADER_BYTES", 16_384, 1024),
    poolConnections: int("ROUTER_POOL_CONNECTIONS", 128, 1),
    poolQueue: int("ROUTER_POOL_QUEUE", 1000, 0),
    poolQueueTimeoutMs: int("ROUTER_POOL_QUEUE_TIMEOUT_MS", 5000, 1),
    clientTimeoutMs: int("ROUTER_CLIENT_TIMEOUT_MS", 30_000, 1),
    maxBodyBytes: int("ROUTER_MAX_BODY_BYTES", 0, 0),
    tunnelIdleTimeoutMs: int("ROUTER_TUNNEL_IDLE_TIMEOUT_MS", 3_600_000, 1),
    maxTunnels: int("ROUTER_MAX_TUNNELS", 10_000, 0),
    retries: int("ROUTER_RETRIES", 2, 0),
    retryBaseMs: int("ROUTER_RETRY_BASE_MS", 10, 1),
    ejectAfterFailures: int("ROUTER_EJECT_AFTER", 5, 1),
    ejectCooldownMs: int("ROUTER_EJECT_COOLDOWN_MS", 10_000, 0),
    slowStartMs: int("ROUTER_SLOW_START_MS", 10_000, 0),
    healthTtlMs: int("ROUTER_HEALTH_TTL_MS", 15_000, 1),
    statsIntervalMs: int("ROUTER_STATS_INTERVAL_MS", 1000, 10),
    accessLog: readAccessLogConfig(env),
    tracing: readTracingConfig(env),
  };
}

function readRouterId(value: string | undefined): string {
  if (value === undefined || value === "")
    return `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_-]/g, "_");
  // One NATS subject token: stats.router.<routerId>.
  if (!/^[A-Za-z0-9_-]+$/.test(value))
    throw new ConfigError("ROUTER_ID", value, "may hold only A-Z a-z 0-9 _ -");
  return value;
}
