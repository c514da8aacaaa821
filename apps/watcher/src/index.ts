// @signalbox/watcher: start(config, deps) wires the providers, the table builder, the
// leader lease, the KV publisher and the admin listener; loadConfig and HELP for the CLI.
import { type Clock, systemClock } from "@signalbox/backoff";
import {
  configKeys,
  connectNats,
  createSkippedKeys,
  followRouteTables,
  hasNatsCredentials,
  natsOptionsFromEnv,
  openCertsBucket,
  openConfigBucket,
  openRoutesBucket,
  readRouteTable,
} from "@signalbox/bus";
import { createDeniedRanges } from "@signalbox/route-model";
import { type ListenAddress, startAdminServer } from "@signalbox/service";
import { type Logger, pino } from "pino";
import { type ControlApi, startControlApi } from "./api/control-api.js";
import type { KV, NatsConnection } from "./bus-types.js";
import { createCertStore } from "./certs/cert-store.js";
import { createFileCertificateSync } from "./certs/file-certificates.js";
import { startTicketRotation } from "./certs/ticket-rotation.js";
import { startTlsWarningLog } from "./certs/tls-warning-log.js";
import type { Config } from "./config.js";
import { dashboardRoutes } from "./dashboard/dashboard-routes.js";
import { createLeaderLease } from "./leader/leader-lease.js";
import { createWatcherMetrics, type WatcherMetrics } from "./metrics.js";
import { createAgentProvider } from "./providers/agent/agent-provider.js";
import { createApiProvider } from "./providers/api/api-provider.js";
import { createFileProvider } from "./providers/file/file-provider.js";
import { createMarathonProvider } from "./providers/marathon/marathon-provider.js";
import type { Provider } from "./providers/provider.js";
import { watchBucketKeys } from "./publish/bucket-keys.js";
import { createKvPublisher } from "./publish/kv-publisher.js";
import { createTableBuilder, type TableBuilder } from "./table/table-builder.js";
import { createTokenStore, type TokenStore } from "./tokens/token-store.js";

export { type Config, HELP, loadConfig } from "./config.js";
export { ConfigError } from "./errors.js";
export type { Provider, ProviderSnapshot } from "./providers/provider.js";
export type { TableBuilder } from "./table/table-builder.js";

export interface WatcherDeps {
  /** Default: pino at config.logLevel with `service: "watcher"`. */
  logger?: Logger;
  /** Default: systemClock. */
  clock?: Clock;
  /** Default: Math.random. */
  random?: () => number;
  /** An open connection to use (and leave open); default: one from config.natsEnv, closed on stop. */
  nc?: NatsConnection;
  /** How long a read of signalbox-routes waits for a consistent table (default 60 s; tests shorten it). */
  routesReadTimeoutMs?: number;
}

/** Everything a provider or service of the watcher may need, built once in start(). */
export interface WatcherContext {
  config: Config;
  logger: Logger;
  clock: Clock;
  random: () => number;
  nc: NatsConnection;
  routesKv: KV;
  configKv: KV;
  /** signalbox-certs: certificates (control API) and the shared TLS ticket key (ticket rotation). */
  certsKv: KV;
  metrics: WatcherMetrics;
  /** Agent tokens in signalbox-config: the control API manages them, the agent provider checks them. */
  tokens: TokenStore;
  /** How long a read of signalbox-routes waits for a consistent table (undefined: readRouteTable's default). */
  routesReadTimeoutMs?: number;
}

/** Something started beside the builder (the control API). */
export interface WatcherService {
  stop(): Promise<void>;
}

export interface Watcher {
  /** The table builder: `current()` is the live table with route ids, `onTable` reports changes. */
  readonly builder: TableBuilder;
  isLeader(): boolean;
  /** Where /healthz and /metrics listen (port 0 resolved). */
  readonly adminAddress: ListenAddress;
  stop(): Promise<void>;
}

/** Wiring point: every provider this watcher runs. A new provider is one line here. */
export function createProviders(ctx: WatcherContext): Provider[] {
  const { config, clock, metrics } = ctx;
  const providers: Provider[] = [];
  if (config.marathonMasters.length > 0) {
    providers.push(
      createMarathonProvider({
        masters: config.marathonMasters,
        clock,
        random: ctx.random,
        logger: ctx.logger.child({ component: "marathon" }),
        metrics,
        resyncMs: config.resyncMs,
        staleStreamMs: config.staleStreamMs,
        debounceMs: config.debounceMs,
        timeoutMs: config.marathonTimeoutMs,
      }),
    );
  }
  if (config.routesFile) {
    providers.push(
      createFileProvider({
        path: config.routesFile,
        clock,
        logger: ctx.logger.child({ component: "file" }),
        metrics,
        debounceMs: config.debounceMs,
        resyncMs: config.resyncMs,
        onCertificates: createFileCertificateSync({
          certs: createCertStore({ certsKv: ctx.certsKv, logger: ctx.logger }),
          clock,
          logger: ctx.logger.child({ component: "file-certs" }),
        }),
      }),
    );
  }
  providers.push(createApiProvider({ configKv: ctx.configKv, logger: ctx.logger }));
  providers.push(
    createAgentProvider({
      nc: ctx.nc,
      tokens: ctx.tokens,
      clock,
      logger: ctx.logger.child({ component: "agent" }),
      heartbeatIntervalMs: config.agentHeartbeatMs,
      missedHeartbeats: 3,
      resumeFrom: async () =>
        (
          await readRouteTable(ctx.routesKv, {
            ...(ctx.routesReadTimeoutMs !== undefined && { timeoutMs: ctx.routesReadTimeoutMs }),
          })
        ).backends.filter((backend) => backend.source === "agent"),
    }),
  );
  return providers;
}

/**
 * Wiring point: services started beside the builder (the control API, which the dashboard reads,
 * the ticket-key rotation, the TLS warning log); each is stopped first on stop().
 */
export async function startServices(
  ctx: WatcherContext,
  builder: TableBuilder,
): Promise<{ services: WatcherService[]; controlApi: ControlApi }> {
  const { nc, configKv, certsKv, clock, logger, random, tokens } = ctx;
  const controlApi = await startControlApi({ nc, configKv, certsKv, builder, clock, logger, tokens, random });
  const services: WatcherService[] = [
    controlApi,
    startTicketRotation({ certsKv, clock, logger: logger.child({ component: "tickets" }) }),
    startTlsWarningLog({
      tables: builder,
      certs: createCertStore({ certsKv, logger }),
      clock,
      logger: logger.child({ component: "tls" }),
    }),
  ];
  return { services, controlApi };
}

/**
 * Starts the watcher: every provider feeds the builder; only the lease holder writes
 * signalbox-routes, a standby follows it so `builder.current()` stays live and a
 * takeover continues from the version in KV.
 */
export async function start(config: Config, deps: WatcherDeps = {}): Promise<Watcher> {
  const logger = deps.logger ?? pino({ level: config.logLevel, base: { service: "watcher" } });
  const clock = deps.clock ?? systemClock;
  const nc =
    deps.nc ??
    (await connectNats({ env: config.natsEnv, name: `signalbox-watcher ${config.watcherId}`, logger }));
  // Who may call signalbox.api.* is NATS's to enforce (only the admin role may publish
  // there); a watcher logged in without credentials serves whoever reaches the server.
  if (!hasNatsCredentials(natsOptionsFromEnv(config.natsEnv))) {
    logger
      .child({ component: "api" })
      .warn(
        "no NATS credentials: any client of this NATS server may call signalbox.api.* (route add, shape, " +
          "token create); run NATS with the users of `signalbox nats-config` so only the admin role can",
      );
  }
  // One bucket after the other (nats-server 2.9 is touchy about concurrent KV creation).
  const openBuckets = async () => ({
    routesKv: await openRoutesBucket(nc),
    configKv: await openConfigBucket(nc),
    certsKv: await openCertsBucket(nc),
  });
  const { routesKv, configKv, certsKv } = await openBuckets().catch(async (error: unknown) => {
    if (!deps.nc) await nc.close();
    throw error;
  });
  const metrics = createWatcherMetrics();
  const tokens = createTokenStore({ configKv, logger: logger.child({ component: "tokens" }) });
  const random = deps.random ?? Math.random;
  const ctx: WatcherContext = {
    config,
    logger,
    clock,
    random,
    nc,
    routesKv,
    configKv,
    certsKv,
    metrics,
    tokens,
    ...(deps.routesReadTimeoutMs !== undefined && { routesReadTimeoutMs: deps.routesReadTimeoutMs }),
  };

  const providers = createProviders(ctx);
  const skipped = createSkippedKeys({ logger: logger.child({ component: "routes-kv" }) });
  metrics.observeSkippedKeys(() => skipped.total);
  const bucketKeys = watchBucketKeys(routesKv, { logger: logger.child({ component: "routes-kv" }), clock });
  const publisher = createKvPublisher({
    kv: routesKv,
    nc,
    logger: logger.child({ component: "publish" }),
    skipped,
    bucketKeys,
    ...(ctx.routesReadTimeoutMs !== undefined && { readTimeoutMs: ctx.routesReadTimeoutMs }),
  });
  const builder = createTableBuilder({
    clock,
    random,
    logger: logger.child({ component: "table" }),
    metrics,
    // Sources debounce their own bursts; the builder only folds what arrives while it builds
    // or publishes, so the two windows never add up on the propagation path.
    debounceMs: 0,
    sources: providers.map((provider) => provider.source),
    publisher,
    mayWrite: () => lease.isLeader(),
    deniedRanges: createDeniedRanges(config.denyBackendCidrs),
  });

  // A standby follows the table in KV; the leader stops following and writes.
  let following: AbortController | undefined;
  const follow = () => {
    if (following) return;
    const controller = new AbortController();
    following = controller;
    followRouteTables(routesKv, {
      signal: controller.signal,
      onTable: (table) => builder.observe(table),
      logger: logger.child({ component: "follow" }),
      skipped,
      clock,
    }).catch((error: unknown) => {
      if (!controller.signal.aborted) logger.error({ err: error }, "following signalbox-routes failed");
    });
  };
  const unfollow = () => {
    following?.abort();
    following = undefined;
  };

  const lease = createLeaderLease({
    kv: configKv,
    key: configKeys.watcherLeader,
    watcherId: config.watcherId,
    ttlMs: config.leaseTtlMs,
    clock,
    logger: logger.child({ component: "leader" }),
    async onElected() {
      unfollow();
      // The followed table is what KV held a moment ago; the publisher's guard re-reads KV
      // should another write have slipped in, so a takeover of a 100k-key table is instant.
      const table = builder.current() ?? (await publisher.resumePoint());
      if (!lease.isLeader()) return;
      builder.resume(table);
      metrics.leader.set(1);
    },
    onDemoted() {
      builder.pause();
      metrics.leader.set(0);
      follow();
    },
  });

  // Services and listeners first (the dashboard on the admin listener reads the control API): a
  // port in use or a failing service stops start() before anything runs.
  let admin: Awaited<ReturnType<typeof startAdminServer>> | undefined;
  let services: WatcherService[] = [];
  try {
    const started = await startServices(ctx, builder);
    services = started.services;
    admin = await startAdminServer({
      listen: config.adminListen,
      registry: metrics.registry,
      health: () => ({
        watcherId: config.watcherId,
        leader: lease.isLeader(),
        version: builder.current()?.version ?? 0,
        waitingFor: builder.waitingFor(),
      }),
      routes: dashboardRoutes({
        controlApi: started.controlApi,
        tables: builder,
        watcherId: config.watcherId,
        isLeader: () => lease.isLeader(),
        streamAgeSeconds: () => metrics.streamAgeSeconds(),
        now: () => clock.now(),
      }),
    });
  } catch (error) {
    bucketKeys.stop();
    for (const service of services) await service.stop();
    await admin?.stop();
    if (!deps.nc) await nc.close();
    throw error;
  }
  const adminServer = admin;

  const running = new AbortController();
  const runs = providers.map((provider) =>
    provider
      .run((snapshot) => builder.update(snapshot), running.signal)
      .catch((error: unknown) => logger.error({ err: error, source: provider.source }, "provider stopped")),
  );
  follow();
  lease.start();
  logger.info({ watcherId: config.watcherId, sources: providers.map((p) => p.source) }, "watcher started");

  return {
    builder,
    isLeader: () => lease.isLeader(),
    adminAddress: adminServer.address,
    async stop() {
      for (const service of services) await service.stop();
      running.abort();
      await Promise.all(runs);
      await builder.stop();
      await lease.stop();
      unfollow();
      bucketKeys.stop();
      await adminServer.stop();
      if (!deps.nc) await nc.drain();
      logger.info("watcher stopped");
    },
  };
}
