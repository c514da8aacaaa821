// Health service configuration: environment variables -> a validated HealthConfig.
// Only the CLI's main.ts passes process.env here; everything else gets the result.
import { ConfigError } from "@signalbox/bus";

/** `host:port` split for listeners; IPv6 hosts are written `[::]:50051`. */
export interface ListenAddress {
  host: string;
  port: number;
}

export interface HealthConfig {
  grpcListen: ListenAddress;
  adminListen: ListenAddress;
  /** Time between two probes of one backend (jittered by +/-10%). */
  intervalMs: number;
  /** A probe that has not answered by then fails. */
  timeoutMs: number;
  /** Consecutive passes that bring a NOT_SERVING backend back. */
  rise: number;
  /** Consecutive failures that take a SERVING backend out. */
  fall: number;
  /** Probes (and so probe sockets) in flight at once, whatever the number of backends. */
  concurrency: number;
  /** Every service is published again this often, so a late router catches up. */
  publishIntervalMs: number;
  logLevel: string;
  /** NATS_* variables, handed to @signalbox/bus connectNats as they are. */
  natsEnv: Record<string, string | undefined>;
}

export const HELP = `signalbox health: probes every backend of the route table, publishes health.<service>,
serves grpc.health.v1 (Check, Watch, List).

Environment:
  HEALTH_GRPC_LISTEN          gRPC health server address (default 0.0.0.0:50051)
  HEALTH_ADMIN_LISTEN         /healthz and /metrics (default 127.0.0.1:9092)
  HEALTH_INTERVAL_MS          time between probes of one backend, +/-10% jitter (default 2000)
  HEALTH_TIMEOUT_MS           probe timeout (default 1000)
  HEALTH_RISE                 passes that bring a backend back (default 2)
  HEALTH_FALL                 failures that take a backend out (default 3)
  HEALTH_CONCURRENCY          probes in flight at once (default 64)
  HEALTH_PUBLISH_INTERVAL_MS  republish every service this often (default 5000)
  NATS_URL                    NATS servers, comma-separated (default nats://127.0.0.1:4222)
  NATS_USER, NATS_PASSWORD, NATS_TOKEN, NATS_CREDS   NATS credentials (default unset)
  LOG_LEVEL                   trace, debug, info, warn, error, fatal or silent (default info)

Backend labels:
  signalbox.health.type           http (default), tcp or grpc
  signalbox.health.path           HTTP probe path (default /); 2xx and 3xx pass
  signalbox.health.grpc-service   service name for grpc.health.v1 Check/Watch (default "")
`;

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

/** Reads HEALTH_*, NATS_* and LOG_LEVEL; throws ConfigError naming the variable and its value. */
export function loadConfig(env: Record<string, string | undefined>): HealthConfig {
  const logLevel = env.LOG_LEVEL?.trim() || "info";
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError("LOG_LEVEL", env.LOG_LEVEL, `is not one of ${LOG_LEVELS.join(", ")}`);
  }
  const natsEnv: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) if (key.startsWith("NATS_")) natsEnv[key] = value;
  return {
    grpcListen: parseListen("HEALTH_GRPC_LISTEN", env.HEALTH_GRPC_LISTEN, "0.0.0.0:50051"),
    adminListen: parseListen("HEALTH_ADMIN_LISTEN", env.HEALTH_ADMIN_LISTEN, "127.0.0.1:9092"),
    intervalMs: parseInteger("HEALTH_INTERVAL_MS", env.HEALTH_INTERVAL_MS, 2000, 1),
    timeoutMs: parseInteger("HEALTH_TIMEOUT_MS", env.HEALTH_TIMEOUT_MS, 1000, 1),
    rise: parseInteger("HEALTH_RISE", env.HEALTH_RISE, 2, 1),
    fall: parseInteger("HEALTH_FALL", env.HEALTH_FALL, 3, 1),
    concurrency: parseInteger("HEALTH_CONCURRENCY", env.HEALTH_CONCURRENCY, 64, 1),
    publishIntervalMs: parseInteger("HEALTH_PUBLISH_INTERVAL_MS", env.HEALTH_PUBLISH_INTERVAL_MS, 5000, 1),
    logLevel,
    natsEnv,
  };
}

/** `host:port`, `[v6]:port`; port 0 asks the system for a free one. */
export function parseListen(variable: string, raw: string | undefined, fallback: string): ListenAddress {
  const text = raw?.trim() || fallback;
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match?.[1] || port > 65535) {
    throw new ConfigError(variable, raw, "is not host:port (IPv6 as [::]:port, port 0..65535)");
  }
  return { host: match[1].replace(/^\[(.*)\]$/, "$1"), port };
}

/** `host:port` again, brackets around IPv6, as gRPC and URLs want it. */
export function formatListen(address: ListenAddress): string {
  return address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

function parseInteger(variable: string, raw: string | undefined, fallback: number, min: number): number {
  const text = raw?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(variable, raw, `is not a whole number >= ${min}`);
  }
  return value;
}
