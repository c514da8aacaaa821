// Health service configuration: environment variables -> a validated HealthConfig.
// Only the CLI's main.ts passes process.env here; everything else gets the result.
import {
  type Env,
  type ListenAddress,
  readInteger,
  readListenAddress,
  readLogLevel,
  readNatsEnv,
} from "@signalbox/service";

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

/** Reads HEALTH_*, NATS_* and LOG_LEVEL; throws ConfigError naming the variable and its value. */
export function loadConfig(env: Env): HealthConfig {
  const positive = (name: string, fallback: number) => readInteger(env, name, { default: fallback, min: 1 });
  return {
    grpcListen: readListenAddress(env, "HEALTH_GRPC_LISTEN", "0.0.0.0:50051"),
    adminListen: readListenAddress(env, "HEALTH_ADMIN_LISTEN", "127.0.0.1:9092"),
    intervalMs: positive("HEALTH_INTERVAL_MS", 2000),
    timeoutMs: positive("HEALTH_TIMEOUT_MS", 1000),
    rise: positive("HEALTH_RISE", 2),
    fall: positive("HEALTH_FALL", 3),
    concurrency: positive("HEALTH_CONCURRENCY", 64),
    publishIntervalMs: positive("HEALTH_PUBLISH_INTERVAL_MS", 5000),
    logLevel: readLogLevel(env),
    natsEnv: readNatsEnv(env),
  };
}
