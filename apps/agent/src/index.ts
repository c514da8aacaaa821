// @signalbox/agent: start(config, deps) pairs the agent with one backend (optionally run
// as its child), keeps it registered with the watcher, heartbeats its state and load, and
// drains before it leaves; loadConfig and HELP for the CLI (`signalbox agent`).
import { type Clock, systemClock } from "@signalbox/backoff";
import { codecs, connectNats, subjects } from "@signalbox/bus";
import type { BackendState } from "@signalbox/route-model";
import { type Logger, pino } from "pino";
import type { NatsConnection } from "./bus-types.js";
import { type BackendChild, spawnBackend } from "./child-process.js";
import type { AgentConfig } from "./config.js";
import { waitForDrain } from "./drain.js";
import { createLoadSampler, createProcessCpuMeter } from "./load-sampler.js";
import { createLocalHealthCheck } from "./local-health.js";
import { createRouterStatsTracker, type RouterStatsTracker } from "./router-stats.js";
import { type AgentSession, startSession } from "./session.js";

export { type AgentConfig, HELP, loadConfig } from "./config.js";
export { AgentRejectedError, ChildStartError, ConfigError } from "./errors.js";

export interface AgentDeps {
  /** Default: pino at config.logLevel with `service: "agent"`. */
  logger?: Logger;
  /** Default: systemClock. */
  clock?: Clock;
  /** Default: Math.random (registration back-off jitter). */
  random?: () => number;
  /** An open connection to use (and leave open); default: one from config.natsEnv, closed at the end. */
  nc?: NatsConnection;
  /** The child's stdio (default inherit). */
  childStdio?: "inherit" | "ignore";
}

export interface Agent {
  readonly backendId: string;
  /**
   * Resolves with the exit code once the agent has ended and cleaned up: 0 after stop()
   * (the child's code when it runs one), the child's code when the child exited by
   * itself, 1 when a heartbeat was rejected (token revoked or expired since).
   */
  readonly exited: Promise<number>;
  /**
   * Drains: reports `draining`, waits until the routers have no request in flight for
   * the backend (or DRAIN_TIMEOUT_MS), deregisters, then sends `signal` to the child
   * and waits for it. Calling it again returns the same promise.
   */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** How long the rps sliding window is (HELP says 10 s). */
const RPS_WINDOW_MS = 10_000;

/**
 * Resolves once the backend is registered; rejects with AgentRejectedError when the
 * watcher refuses the token (the child, if any, is stopped first), ChildStartError when
 * the command cannot run. With no watcher answering it keeps retrying.
 */
export async function start(config: AgentConfig, deps: AgentDeps = {}): Promise<Agent> {
  const logger = deps.logger ?? pino({ level: config.logLevel, base: { service: "agent" } });
  const clock = deps.clock ?? systemClock;
  const child = config.command
    ? await spawnBackend(config.command, { stdio: deps.childStdio ?? "inherit" })
    : undefined;
  if (child) logger.info({ pid: child.pid, command: config.command }, "backend started");
  let nc: NatsConnection;
  try {
    nc =
      deps.nc ??
      (await connectNats({ env: config.natsEnv, name: `signalbox-agent ${config.service}`, logger }));
  } catch (error) {
    await stopChild(child, "SIGTERM", clock, logger);
    throw error;
  }
  const closeNats = async () => {
    if (!deps.nc) await nc.close();
  };

  const tracker = createRouterStatsTracker({ windowMs: RPS_WINDOW_MS });
  const sampler = createLoadSampler({
    tracker,
    clock,
    concurrency: config.concurrency,
    ...(child && { cpu: createProcessCpuMeter(child.pid, clock) }),
  });
  const health = config.healthPath
    ? createLocalHealthCheck({
        address: config.backend,
        path: config.healthPath,
        timeoutMs: Math.min(config.heartbeatMs, 2000),
      })
    : undefined;
  const sessionLog = logger.child({ component: "session" });
  let draining = false;
  let state: BackendState = "up";
  const currentState = async (): Promise<BackendState> => {
    const next: BackendState = draining ? "draining" : health && !(await health.check()) ? "down" : "up";
    if (next !== state) sessionLog.info({ from: state, to: next }, "backend state changed");
    state = next;
    return next;
  };

  const session = startSession({
    nc,
    clock,
    logger: sessionLog,
    ...(deps.random && { random: deps.random }),
    heartbeatMs: config.heartbeatMs,
    registration: {
      token: config.token,
      service: config.service,
      address: config.backend,
      labels: config.labels,
      instanceId: config.instanceId,
      ...(config.location && { location: config.location }),
      ...(config.weight !== undefined && { weight: config.weight }),
      ...(config.healthPath !== undefined && { healthPath: config.healthPath }),
    },
    sample: async () => ({ state: await currentState(), ...(await sampler.sample()) }),
  });
  const stats = followRouterStats(nc, tracker, session, clock);

  let backendId: string;
  try {
    backendId = await session.registered;
  } catch (error) {
    logger.error({ err: error }, "registration failed");
    stats.unsubscribe();
    await Promise.all([session.stop(), health?.close(), stopChild(child, "SIGTERM", clock, logger)]);
    await closeNats();
    throw error;
  }

  let resolveExited!: (code: number) => void;
  const exited = new Promise<number>((resolve) => {
    resolveExited = resolve;
  });
  let stopping: Promise<void> | undefined;
  /** Every way out ends here: deregister (after draining, when asked to), stop the child, close. */
  const finish = (opts: { drain: boolean; signal: NodeJS.Signals; code?: number }) => {
    stopping ??= (async () => {
      if (opts.drain)
        await drain(session, tracker, clock, config.drainTimeoutMs, sessionLog, () => (draining = true));
      await session.stop();
      stats.unsubscribe();
      const childExit = await stopChild(child, opts.signal, clock, logger);
      await health?.close();
      await closeNats();
      resolveExited(opts.code ?? childExit ?? 0);
    })();
    return stopping;
  };

  session.ended.catch((error: unknown) => {
    logger.error({ err: error }, "the watcher rejected this agent; exiting");
    void finish({ drain: false, signal: "SIGTERM", code: 1 });
  });
  void child?.exited.then((exit) => {
    if (stopping) return;
    logger.warn({ code: exit.code, signal: exit.signal }, "backend exited; deregistering");
    void finish({ drain: false, signal: "SIGTERM", code: exit.code });
  });

  return {
    backendId,
    exited,
    stop: (signal = "SIGTERM") => finish({ drain: true, signal }),
  };
}

/** Draining: tell the watcher at once, then wait for the routers (or the timeout). */
async function drain(
  session: AgentSession,
  tracker: RouterStatsTracker,
  clock: Clock,
  timeoutMs: number,
  logger: Logger,
  setDraining: () => void,
): Promise<void> {
  setDraining();
  const acknowledged = await session.heartbeatNow();
  const sinceMs = clock.now();
  logger.info({ acknowledged, timeoutMs }, "draining");
  const outcome = await waitForDrain({ tracker, clock, sinceMs, timeoutMs });
  logger.info({ outcome, inFlight: tracker.inFlight(clock.now()) }, "drain finished");
}

/** Counts routers report for this backend (zero when they name it not: they are live but idle). */
function followRouterStats(
  nc: NatsConnection,
  tracker: RouterStatsTracker,
  session: AgentSession,
  clock: Clock,
) {
  return nc.subscribe(subjects.routerStatsAll, {
    callback: (error, msg) => {
      const backendId = session.backendId;
      if (error || backendId === undefined) return;
      const decoded = codecs.routerStats.decode(msg.data);
      if (!decoded.ok) return;
      const { routerId, intervalMs, backends } = decoded.value;
      const counts = backends[backendId];
      tracker.record({
        routerId,
        receivedAt: clock.now(),
        intervalMs,
        requests: counts?.requests ?? 0,
        inFlight: counts?.inFlight ?? 0,
      });
    },
  });
}

/** A child still running this long after `signal` gets SIGKILL. */
const CHILD_KILL_AFTER_MS = 10_000;

async function stopChild(
  child: BackendChild | undefined,
  signal: NodeJS.Signals,
  clock: Clock,
  logger: Logger,
): Promise<number | undefined> {
  if (!child) return undefined;
  child.kill(signal);
  const timer = clock.setTimeout(() => {
    logger.warn(
      { pid: child.pid, signal, afterMs: CHILD_KILL_AFTER_MS },
      "backend ignored the signal; SIGKILL",
    );
    child.kill("SIGKILL");
  }, CHILD_KILL_AFTER_MS);
  const exit = await child.exited;
  clock.clearTimeout(timer);
  logger.info({ code: exit.code, signal: exit.signal }, "backend stopped");
  return exit.code;
}
