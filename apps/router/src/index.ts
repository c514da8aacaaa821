// @signalbox/router: start(config, deps) wires the listeners, the admin server, the table follower,
// health verdicts and the stats publisher; stop() drains (DRAIN_DELAY_MS, then DRAIN_TIMEOUT_MS).

import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type Clock, systemClock } from "@signalbox/backoff";
import { connectNats, createSkippedKeys, decodeHealthMessage, subjects } from "@signalbox/bus";
import type { AdminServer, ListenAddress } from "@signalbox/service";
import pino, { type Logger } from "pino";
import { AccessLog } from "./access-log/access-log.js";
import { startRouterAdmin } from "./admin/admin-server.js";
import { BackendStats } from "./backend-stats.js";
import type { RouterConfig } from "./config.js";
import { Connections } from "./connections.js";
import { Drain, type DrainReport } from "./drain.js";
import { BackendPools } from "./forward/pools.js";
import { handleUpgrade } from "./forward/upgrade.js";
import { createRequestHandlers, type RequestDeps } from "./handle-request.js";
import { startListener } from "./listener.js";
import { RouterMetrics } from "./metrics.js";
import { createOwnListenerCheck, type Listener } from "./own-listeners.js";
import { startStatsPublisher } from "./stats-publisher.js";
import { followTables, type NatsConnection } from "./table/table-follower.js";
import { TableStore } from "./table/table-store.js";
import { startTlsEdge, type TlsEdge } from "./tls/tls-edge.js";

export { ConfigError } from "@signalbox/bus";
export type { ListenAddress } from "@signalbox/service";
export { HELP, loadConfig, type RouterConfig } from "./config.js";

export interface RouterDeps {
  logger?: Logger;
  clock?: Clock;
  random?: () => number;
  /** An open NATS connection to use (not closed by stop); default: connect with config.natsEnv. */
  nats?: NatsConnection;
}

export interface RunningRouter {
  /** One per ROUTER_LISTEN entry, in order (the real port when 0 was asked). */
  addresses: AddressInfo[];
  /** One per ROUTER_PROXY_PROTOCOL_LISTEN entry, in order. */
  proxyProtocolAddresses: AddressInfo[];
  /** One per ROUTER_TLS_LISTEN entry, in order. */
  tlsAddresses: AddressInfo[];
  /** Where the admin listener is bound (port 0 resolved). */
  adminAddress: ListenAddress;
  /** Version of the table requests are routed by now; -1 before the first. */
  tableVersion(): number;
  /** Drains (both phases) and releases everything; resolves with the drain's counts. */
  stop(): Promise<DrainReport>;
}

export async function start(config: RouterConfig, deps: RouterDeps = {}): Promise<RunningRouter> {
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? Math.random;
  const logger = deps.logger ?? pino({ level: config.logLevel }).child({ service: "router" });
  const log = (component: string) => logger.child({ component });
  const pools = new BackendPools({
    connections: config.poolConnections,
    connectTimeoutMs: config.connectTimeoutMs,
    headersTimeoutMs: config.upstreamTimeoutMs,
    bodyTimeoutMs: config.upstreamIdleTimeoutMs,
    queue: config.poolQueue,
    queueTimeoutMs: config.poolQueueTimeoutMs,
    clock,
  });
  const stats = new BackendStats({
    clock,
    ejectAfterFailures: config.ejectAfterFailures,
    ejectCooldownMs: config.ejectCooldownMs,
    slowStartMs: config.slowStartMs,
    healthTtlMs: config.healthTtlMs,
    onEject: (id) => {
      log("backend-stats").warn({ backend: id, cooldownMs: config.ejectCooldownMs }, "backend ejected");
      pools.reopen(id);
    },
    isOwnListener: createOwnListenerCheck(() => ownListeners),
    onOwnListener: (backend) => {
      metrics?.countOwnListenerBackend();
      log("backend-stats").error(
        { backend: backend.id, service: backend.service, address: backend.address, source: backend.source },
        "backend refused: its address is one of this router's own listeners",
      );
    },
  });
  let metrics: RouterMetrics | undefined;
  const tables = new TableStore({
    clock,
    random,
    onSwap: (table, changedBackends) => {
      const backends = table.compiled.backendsById;
      if (changedBackends === undefined) stats.observeTable(backends.values());
      else stats.observeChanges(changedBackends, (id) => backends.get(id));
      // Pools only close for backends gone from the table: none gone, nothing to prune.
      if (changedBackends === undefined || changedBackends.some((id) => !backends.has(id))) {
        pools.prune((id) => backends.has(id));
      }
      metrics?.countSwap();
      metrics?.dropRemovedSeries(table.compiled);
    },
  });
  const connections = new Connections();
  const skippedKeys = createSkippedKeys({ logger: log("table") });
  metrics = new RouterMetrics({ stats, tables, connections, skippedKeys });
  const accessLog = AccessLog.open(config.accessLog);
  // The SDK is loaded only when tracing is on: off costs nothing.
  const tracer =
    config.tracing === undefined
      ? undefined
      : (await import("./tracing/otel-tracer.js")).startOtelTracer(config.tracing);
  // logrotate moves the file, then signals: the next line goes to a fresh file at the same path.
  const reopenAccessLog = () => accessLog?.reopen();
  if (typeof config.accessLog.destination === "object") process.on("SIGHUP", reopenAccessLog);
  const requestDeps: RequestDeps = {
    tables,
    stats,
    pools,
    connections,
    metrics,
    clock,
    random,
    proto: "http",
    trustedProxies: config.trustedProxies,
    tracer,
    retries: config.retries,
    retryBaseMs: config.retryBaseMs,
    clientTimeoutMs: config.clientTimeoutMs,
    maxBodyBytes: config.maxBodyBytes,
    onRetry: () => metrics?.countRetry(),
    logger: log("request"),
    accessLog,
  };
  const upgradeDeps = {
    ...requestDeps,
    logger: log("upgrade"),
    connectTimeoutMs: config.connectTimeoutMs,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    tunnelIdleTimeoutMs: config.tunnelIdleTimeoutMs,
    maxTunnels: config.maxTunnels,
  };
  /** The request path for one scheme: TLS listeners serve `https`, the others `http`. */
  const handlersFor = (proto: "http" | "https") => {
    const { onRequest, onCheckContinue } = createRequestHandlers({ ...requestDeps, proto });
    const protoUpgradeDeps = { ...upgradeDeps, proto };
    return {
      onRequest,
      onCheckContinue,
      onUpgrade: (req: IncomingMessage, socket: Socket, head: Buffer) =>
        handleUpgrade(req, socket, head, protoUpgradeDeps),
    };
  };
  const listenerOptions = (proto: "http" | "https") => ({
    headerTimeoutMs: config.headerTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxHeaderBytes: config.maxHeaderBytes,
    connections,
    ...handlersFor(proto),
  });
  const servers: Server[] = [];
  const addresses: AddressInfo[] = [];
  const proxyProtocolAddresses: AddressInfo[] = [];
  const drain = new Drain({
    clock,
    delayMs: config.drainDelayMs,
    timeoutMs: config.drainTimeoutMs,
    servers,
    connections,
    logger: log("drain"),
  });
  let admin: AdminServer | undefined;
  /** Where this router listens (ports resolved), so no backend on them gets a request. */
  const ownListeners: Listener[] = [];
  let tls: TlsEdge | undefined;
  try {
    const plain = listenerOptions("http");
    const listen = [
      ...config.listen.map((address) => ({ address, proxyProtocol: false })),
      ...config.proxyProtocolListen.map((address) => ({ address, proxyProtocol: true })),
    ];
    for (const { address, proxyProtocol } of listen) {
      const listener = await startListener(address, {
        ...plain,
        proxyProtocol: proxyProtocol
          ? {
              trusted: config.trustedProxies,
              timeoutMs: config.headerTimeoutMs,
              logger: log("proxy-protocol"),
            }
          : undefined,
      });
      servers.push(listener.server);
      (proxyProtocol ? proxyProtocolAddresses : addresses).push(listener.address);
      ownListeners.push({ host: address.host, port: listener.address.port });
    }
    if (config.tlsListen.length > 0) {
      tls = await startTlsEdge({
        addresses: config.tlsListen,
        listener: listenerOptions("https"),
        registry: metrics.registry,
        clock,
        logger,
      });
      servers.push(...tls.servers);
      for (const [i, address] of config.tlsListen.entries()) {
        ownListeners.push({ host: address.host, port: tls.addresses[i]?.port ?? address.port });
      }
    }
    admin = await startRouterAdmin(config.adminListen, {
      tables,
      stats,
      metrics,
      isDraining: () => drain.isDraining,
      ...(tls !== undefined && { tls: tls.view }),
    });
    ownListeners.push(admin.address);
  } catch (err) {
    for (const server of servers) server.close();
    await admin?.stop();
    process.off("SIGHUP", reopenAccessLog);
    await accessLog?.close();
    await tracer?.shutdown();
    throw err;
  }
  const tlsAddresses = tls?.addresses ?? [];
  logger.info(
    {
      listen: addresses,
      proxyProtocolListen: proxyProtocolAddresses,
      tlsListen: tlsAddresses,
      admin: admin.address,
      routerId: config.routerId,
    },
    "router listening",
  );

  const abort = new AbortController();
  let nc: NatsConnection | undefined = deps.nats;
  const natsReady = (async () => {
    nc ??= await connectNats({
      env: config.natsEnv,
      name: `signalbox-router-${config.routerId}`,
      logger: log("nats"),
      signal: abort.signal,
    });
    const healthLog = log("health");
    nc.subscribe(subjects.healthAll, {
      callback: (err, msg) => {
        if (err) return;
        const verdicts = decodeHealthMessage(msg.subject, msg.data);
        if (!verdicts.ok) {
          metrics?.countHealthIgnored(1);
          healthLog.debug({ subject: msg.subject, reason: verdicts.reason }, "health message ignored");
          return;
        }
        const { service, backends } = verdicts.value;
        const serviceOf = (id: string) => tables.current()?.compiled.backendsById.get(id)?.service;
        const ignored = stats.setHealth(service, backends, serviceOf);
        if (ignored > 0) metrics?.countHealthIgnored(ignored);
      },
    });
    const following = tls?.follow(nc, abort.signal);
    await followTables({
      nc,
      store: tables,
      clock,
      logger: log("table"),
      signal: abort.signal,
      skipped: skippedKeys,
    });
    await following;
  })().catch((err: unknown) => {
    if (!abort.signal.aborted) logger.error({ err }, "NATS follower stopped");
  });
  const publisher = startStatsPublisher({
    clock,
    intervalMs: config.statsIntervalMs,
    routerId: config.routerId,
    stats,
    publish: (subject, data) => nc?.publish(subject, data),
    logger: log("stats"),
    onTick: () => {
      const table = tables.current();
      if (table !== undefined) pools.prune((id) => table.compiled.backendsById.has(id));
    },
  });

  let stopping: Promise<DrainReport> | undefined;
  const stop = async (): Promise<DrainReport> => {
    const report = await drain.run();
    publisher.stop();
    tls?.stop();
    abort.abort();
    await natsReady;
    if (deps.nats === undefined && nc !== undefined) await nc.close().catch(() => {});
    await pools.destroy();
    await admin?.stop();
    process.off("SIGHUP", reopenAccessLog);
    await accessLog?.close();
    await tracer?.shutdown();
    return report;
  };
  return {
    addresses,
    proxyProtocolAddresses,
    tlsAddresses,
    adminAddress: admin.address,
    tableVersion: () => tables.current()?.version ?? -1,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}
