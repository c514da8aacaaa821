// @signalbox/health: probes every backend of the route table, publishes `health.<service>`,
// and serves grpc.health.v1. start() wires the parts; only the CLI reads the environment.
import { type Clock, systemClock } from "@signalbox/backoff";
import { connectNats, followRouteTables, openRoutesBucket } from "@signalbox/bus";
import { formatAddress } from "@signalbox/route-model";
import { startAdminServer } from "@signalbox/service";
import { type Logger, pino } from "pino";
import type { HealthConfig } from "./config.js";
import { startHealthGrpcServer } from "./grpc/health-service.js";
import { createHealthStore } from "./grpc/health-store.js";
import { createHealthMetrics } from "./metrics.js";
import { createHealthMonitor } from "./monitor.js";
import { createConcurrencyLimiter } from "./probes/concurrency-limiter.js";
import { grpcCheckProbe } from "./probes/grpc-probe.js";
import { followGrpcWatch } from "./probes/grpc-watch.js";
import { httpProbe } from "./probes/http-probe.js";
import { tcpProbe } from "./probes/tcp-probe.js";
import { createHealthPublisher } from "./publish/health-publisher.js";

export { ConfigError } from "@signalbox/bus";
export type { ListenAddress } from "@signalbox/service";
export { HELP, type HealthConfig, loadConfig } from "./config.js";

export type NatsConnection = Awaited<ReturnType<typeof connectNats>>;

export interface HealthDeps {
  /** Default: pino JSON at config.logLevel. `service: "health"` is added either way. */
  logger?: Logger;
  clock?: Clock;
  /** In [0, 1): probe interval jitter. */
  random?: () => number;
  /** A connection to use (left open at stop); default: connectNats with config.natsEnv. */
  nc?: NatsConnection;
}

export interface HealthService {
  readonly grpcPort: number;
  readonly adminPort: number;
  /** Overall gRPC status NOT_SERVING, Watch streams ended, probes and publishing stopped, all closed. */
  stop(): Promise<void>;
}

/**
 * Starts the gRPC server (overall SERVING), connects to NATS, follows the route table and
 * probes its backends. Should a step fail, what had started is stopped before the error is thrown.
 */
export async function start(config: HealthConfig, deps: HealthDeps = {}): Promise<HealthService> {
  const root =
    deps.logger?.child({ service: "health" }) ??
    pino({ level: config.logLevel, base: { service: "health" } });
  const clock = deps.clock ?? systemClock;
  const metrics = createHealthMetrics();
  const store = createHealthStore();
  const following = new AbortController();
  const undo: (() => unknown)[] = [];
  let tableVersion: number | undefined;

  try {
    const grpcServer = await startHealthGrpcServer({
      store,
      listen: formatAddress(config.grpcListen.host, config.grpcListen.port),
      logger: root.child({ component: "grpc" }),
      clock,
    });
    undo.push(() => grpcServer.stop());
    const nc =
      deps.nc ??
      (await connectNats({
        env: config.natsEnv,
        name: "signalbox-health",
        logger: root.child({ component: "nats" }),
      }));
    if (!deps.nc) undo.push(() => nc.drain());

    const publisher = createHealthPublisher({
      publish: (subject, data) => nc.publish(subject, data),
      clock,
      intervalMs: config.publishIntervalMs,
      // Called from the first republish on, when `probes` exists.
      current: () => probes.current(),
      logger: root.child({ component: "publish" }),
      onPublished: () => metrics.published.inc(),
    });
    undo.push(() => publisher.stop());
    const limiter = createConcurrencyLimiter(config.concurrency);
    const probes = createHealthMonitor({
      clock,
      random: deps.random ?? Math.random,
      limiter,
      probes: { http: httpProbe, tcp: tcpProbe, grpc: grpcCheckProbe },
      watch: followGrpcWatch,
      intervalMs: config.intervalMs,
      timeoutMs: config.timeoutMs,
      thresholds: { rise: config.rise, fall: config.fall },
      store,
      publisher,
      metrics,
      logger: root.child({ component: "probes" }),
    });
    undo.push(() => probes.stop());

    const tableLogger = root.child({ component: "table" });
    const kv = await openRoutesBucket(nc);
    const followed = followRouteTables(kv, {
      signal: following.signal,
      onTable: (table) => {
        tableVersion = table.version;
        probes.applyTable(table);
      },
      logger: tableLogger,
      clock,
    }).catch((error: unknown) => {
      if (!following.signal.aborted) tableLogger.error({ err: error }, "stopped following the route table");
    });
    undo.push(
      () => followed,
      () => following.abort(new Error("health service stopping")),
    );

    metrics.observe(() => {
      const counts = probes.counts();
      return {
        probesInFlight: limiter.active,
        probesQueued: limiter.queued,
        targets: counts.targets,
        backendsServing: counts.serving,
        backendsNotServing: counts.notServing,
        tableVersion,
      };
    });
    const admin = await startAdminServer({
      listen: config.adminListen,
      registry: metrics.registry,
      health: () => ({ tableVersion, targets: probes.counts().targets }),
    });
    undo.push(() => admin.stop());
    root.info({ grpcPort: grpcServer.port, admin: admin.address }, "health service started");

    let stopping: Promise<void> | undefined;
    return {
      grpcPort: grpcServer.port,
      adminPort: admin.address.port,
      stop() {
        // Watchers hear overall NOT_SERVING first; the rest then unwinds.
        stopping ??= grpcServer
          .stop()
          .then(() => unwind(undo))
          .then(() => root.info("health service stopped"));
        return stopping;
      },
    };
  } catch (error) {
    await unwind(undo);
    throw error;
  }
}

/** Runs the undo steps last first: the admin server, the table follow, probes, publisher, NATS, gRPC. */
async function unwind(undo: (() => unknown)[]): Promise<void> {
  for (const step of undo.splice(0).reverse()) await step();
}
