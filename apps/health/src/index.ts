// @signalbox/health: probes every backend of the route table, publishes `health.<service>`,
// and serves grpc.health.v1. start() wires the parts; only the CLI reads the environment.
import { type Clock, systemClock } from "@signalbox/backoff";
import { connectNats, followRouteTables, openRoutesBucket } from "@signalbox/bus";
import type { RouteTable } from "@signalbox/route-model";
import { type Logger, pino } from "pino";
import { type AdminServer, startAdminServer } from "./admin/admin-server.js";
import { formatListen, type HealthConfig } from "./config.js";
import { startHealthGrpcServer } from "./grpc/health-service.js";
import { createHealthStore } from "./grpc/health-store.js";
import { createHealthMetrics } from "./metrics.js";
import { createConcurrencyLimiter } from "./probes/concurrency-limiter.js";
import { grpcCheckProbe } from "./probes/grpc-probe.js";
import { followGrpcWatch } from "./probes/grpc-watch.js";
import { httpProbe } from "./probes/http-probe.js";
import { createProbeLoop } from "./probes/probe-loop.js";
import { planProbes } from "./probes/probe-target.js";
import { tcpProbe } from "./probes/tcp-probe.js";
import { createHealthPublisher } from "./publish/health-publisher.js";
import { type BookChanges, createServiceStatusBook } from "./status/service-status.js";

export { HELP, type HealthConfig, loadConfig } from "./config.js";
export { ConfigError } from "./errors.js";

export type NatsConnection = Awaited<ReturnType<typeof connectNats>>;

export interface HealthDeps {
  /** Default: pino JSON at config.logLevel. `service: "health"` is added either way. */
  logger?: Logger;
  clock?: Clock;
  /** In [0, 1): probe interval jitter. */
  random?: () => number;
  /** A connection to use (and leave open at stop); default: connectNats from config.natsEnv. */
  nc?: NatsConnection;
}

export interface HealthService {
  readonly grpcPort: number;
  readonly adminPort: number;
  /** Overall gRPC status NOT_SERVING, Watch streams ended, probes and publishing stopped, all closed. */
  stop(): Promise<void>;
}

/** Starts the gRPC server first (overall SERVING), then follows the route table and probes. */
export async function start(config: HealthConfig, deps: HealthDeps = {}): Promise<HealthService> {
  const root =
    deps.logger?.child({ service: "health" }) ??
    pino({ level: config.logLevel, base: { service: "health" } });
  const clock = deps.clock ?? systemClock;
  const metrics = createHealthMetrics();
  const store = createHealthStore();
  const book = createServiceStatusBook();
  const following = new AbortController();
  let tableVersion: number | undefined;
  let lastWarnings = new Set<string>();

  const grpcServer = await startHealthGrpcServer({
    store,
    listen: formatListen(config.grpcListen),
    logger: root.child({ component: "grpc" }),
    clock,
  });
  const nc =
    deps.nc ??
    (await connectNats({
      env: config.natsEnv,
      name: "signalbox-health",
      logger: root.child({ component: "nats" }),
    }));
  const publisher = createHealthPublisher({
    publish: (subject, data) => nc.publish(subject, data),
    clock,
    intervalMs: config.publishIntervalMs,
    current: () => book.services().flatMap((service) => book.get(service) ?? []),
    logger: root.child({ component: "publish" }),
    onPublished: () => metrics.published.inc(),
  });

  const apply = (changes: BookChanges) => {
    for (const service of changes.changed) {
      const health = book.get(service);
      if (!health) continue;
      store.set(service, health.status);
      publisher.publish(health);
    }
    for (const service of changes.removed) {
      store.set(service, "NOT_SERVING");
      publisher.publishRemoved(service);
    }
  };

  const probeLogger = root.child({ component: "probes" });
  const limiter = createConcurrencyLimiter(config.concurrency);
  const loop = createProbeLoop({
    clock,
    random: deps.random ?? Math.random,
    limiter,
    probes: { http: httpProbe, tcp: tcpProbe, grpc: grpcCheckProbe },
    watch: followGrpcWatch,
    intervalMs: config.intervalMs,
    timeoutMs: config.timeoutMs,
    thresholds: { rise: config.rise, fall: config.fall },
    onStatus(target, status, reason) {
      if (status) metrics.verdictChanges.inc({ status });
      probeLogger.info(
        { backend: target.id, service: target.service, address: target.address, status, reason },
        "probe status",
      );
      apply(book.setProbeStatus(target.id, status));
    },
    onResult(target, result, durationMs) {
      metrics.probes.inc({ kind: target.kind, result: result.ok ? "pass" : "fail" });
      metrics.probeSeconds.observe({ kind: target.kind }, durationMs / 1000);
    },
    logger: probeLogger,
  });

  const onTable = (table: RouteTable) => {
    tableVersion = table.version;
    const plan = planProbes(table);
    const warnings = new Set(plan.warnings);
    for (const warning of warnings)
      if (!lastWarnings.has(warning)) probeLogger.warn({ version: table.version }, warning);
    lastWarnings = warnings;
    const changes = book.setBackends(plan.entries);
    loop.setTargets(plan.targets);
    apply(changes);
    probeLogger.info(
      { version: table.version, backends: plan.entries.length, probed: plan.targets.length },
      "route table applied",
    );
  };
  const tableLogger = root.child({ component: "table" });
  const kv = await openRoutesBucket(nc);
  const followed = followRouteTables(kv, {
    signal: following.signal,
    onTable,
    logger: tableLogger,
    clock,
  }).catch((error: unknown) => {
    if (!following.signal.aborted) tableLogger.error({ err: error }, "stopped following the route table");
  });

  let admin: AdminServer | undefined;
  metrics.observe(() => {
    let serving = 0;
    let notServing = 0;
    for (const service of book.services()) {
      for (const status of Object.values(book.get(service)?.backends ?? {})) {
        if (status === "SERVING") serving += 1;
        else notServing += 1;
      }
    }
    return {
      probesInFlight: limiter.active,
      probesQueued: limiter.queued,
      targets: loop.size,
      backendsServing: serving,
      backendsNotServing: notServing,
      tableVersion,
    };
  });
  admin = await startAdminServer({
    listen: config.adminListen,
    registry: metrics.registry,
    health: () => ({ tableVersion, targets: loop.size }),
  });
  root.info({ grpcPort: grpcServer.port, admin: admin.address }, "health service started");

  let stopping: Promise<void> | undefined;
  return {
    grpcPort: grpcServer.port,
    adminPort: admin.address.port,
    stop() {
      stopping ??= (async () => {
        following.abort(new Error("health service stopping"));
        loop.stop();
        publisher.stop();
        await grpcServer.stop();
        await followed;
        await admin?.stop();
        if (!deps.nc) await nc.drain();
        root.info("health service stopped");
      })();
      return stopping;
    },
  };
}
