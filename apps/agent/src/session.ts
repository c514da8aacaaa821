// Keeps the backend registered: register (with back-off while no watcher answers),
// heartbeat every interval with the session the registration returned, register again
// after `not-registered` or a NATS reconnect, and end with AgentRejectedError when the
// watcher refuses the token.
import { randomBytes } from "node:crypto";
import { type Clock, createBackoff, type TimerHandle } from "@signalbox/backoff";
import { type AgentHeartbeat, type AgentRegisterRequest, deriveSession } from "@signalbox/bus";
import type { Logger } from "pino";
import type { NatsConnection } from "./bus-types.js";
import { AgentRejectedError } from "./errors.js";
import { sendHeartbeat } from "./heartbeat.js";
import { requestDeregistration, requestRegistration } from "./register.js";

/** Registration retries: full jitter from 250 ms up to 10 s while no watcher answers. */
const REGISTER_BACKOFF = { baseMs: 250, capMs: 10_000 };
/** How long a register/deregister request waits for the watcher's reply. */
const REQUEST_TIMEOUT_MS = 2000;

export type HeartbeatSample = Omit<AgentHeartbeat, "backendId" | "session" | "at">;

export interface SessionOptions {
  nc: NatsConnection;
  clock: Clock;
  logger: Logger;
  random?: () => number;
  /** The registration, but for `state` (from `sample()`) and `nonce` (fresh), made at each attempt. */
  registration: Omit<AgentRegisterRequest, "state" | "nonce">;
  heartbeatMs: number;
  /** What to report now: state, load, rps, in-flight. */
  sample(): Promise<HeartbeatSample>;
}

export interface AgentSession {
  /** The backend id once registered. */
  readonly backendId: string | undefined;
  /** The first registration: the backend id, or AgentRejectedError. */
  readonly registered: Promise<string>;
  /** Resolves after stop(); rejects with AgentRejectedError when a heartbeat is refused later. */
  readonly ended: Promise<void>;
  /**
   * Reports the state now (it changed): true once the watcher acknowledged a heartbeat or
   * registration sent after the call, false when that attempt failed or the session ended.
   */
  heartbeatNow(): Promise<boolean>;
  /** Stops heartbeating, then deregisters (best effort: an unreachable watcher expires it). */
  stop(): Promise<void>;
}

/**
 * Heartbeats go out every min(heartbeatMs, the watcher's heartbeatIntervalMs) so the
 * watcher never expires a live agent; an unanswered heartbeat is logged and the next
 * one sent on time (a watcher that lost the backend says `not-registered`).
 */
export function startSession(opts: SessionOptions): AgentSession {
  const { nc, clock, logger } = opts;
  const backoff = createBackoff({ ...REGISTER_BACKOFF, ...(opts.random && { random: opts.random }) });
  let backendId: string | undefined;
  /** The accepted registration's session secret: heartbeats and the deregistration carry it. */
  let session: string | undefined;
  let stopped = false;
  let registerAgain = false;
  let wake: (() => void) | undefined;
  let waiters: ((acknowledged: boolean) => void)[] = [];
  let resolveRegistered!: (id: string) => void;
  let rejectRegistered!: (error: unknown) => void;
  const registered = new Promise<string>((resolve, reject) => {
    resolveRegistered = resolve;
    rejectRegistered = reject;
  });
  registered.catch(() => undefined);

  const takeWaiters = () => {
    const taken = waiters;
    waiters = [];
    return taken;
  };

  /** Waits `ms`, or less when stop(), heartbeatNow() or a reconnect calls `wake`. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      let timer: TimerHandle | undefined;
      const done = () => {
        if (timer !== undefined) clock.clearTimeout(timer);
        wake = undefined;
        resolve();
      };
      wake = done;
      timer = clock.setTimeout(done, ms);
    });

  // nats.js status iterators have stop() (typed only as AsyncIterable): ends the loop below.
  const statuses = nc.status() as AsyncIterable<{ type: string }> & { stop?: () => void };
  void (async () => {
    for await (const status of statuses) {
      if (status.type === "reconnect") {
        registerAgain = true;
        wake?.();
      }
    }
  })();

  const register = async (): Promise<number> => {
    for (;;) {
      // A registration carries the current state too, so it answers heartbeatNow() callers.
      const served = takeWaiters();
      const { state } = await opts.sample();
      const nonce = randomBytes(32).toString("base64url");
      const outcome = await requestRegistration(
        nc,
        { ...opts.registration, state, nonce },
        REQUEST_TIMEOUT_MS,
      );
      for (const waiter of served) waiter(outcome.kind === "accepted");
      if (outcome.kind === "accepted") {
        backoff.reset();
        backendId = outcome.backendId;
        session = deriveSession(opts.registration.token, outcome.backendId, nonce);
        logger.info({ backendId, service: opts.registration.service, state }, "registered with the watcher");
        resolveRegistered(outcome.backendId);
        return Math.min(opts.heartbeatMs, outcome.heartbeatIntervalMs);
      }
      if (outcome.kind === "rejected") throw new AgentRejectedError(outcome.code, outcome.message);
      const retryInMs = backoff.next() ?? REGISTER_BACKOFF.capMs;
      logger.warn({ reason: outcome.reason, retryInMs }, "no answer to agent.register; retrying");
      await pause(retryInMs);
      if (stopped) return 0;
    }
  };

  const heartbeatUntilLost = async (id: string, secret: string, intervalMs: number): Promise<void> => {
    let failing = false;
    while (!stopped && !registerAgain) {
      if (waiters.length === 0) await pause(intervalMs);
      if (stopped || registerAgain) return;
      const served = takeWaiters();
      const sample = await opts.sample();
      const beat = { backendId: id, session: secret, at: clock.now(), ...sample };
      const outcome = await sendHeartbeat(nc, beat, intervalMs);
      for (const waiter of served) waiter(outcome.kind === "ok");
      if (outcome.kind === "rejected") throw new AgentRejectedError(outcome.code, outcome.message);
      if (outcome.kind === "not-registered") {
        logger.warn(
          { backendId: id, reason: outcome.message },
          "the watcher lost this backend; registering again",
        );
        return;
      }
      if (outcome.kind === "unreachable" && !failing)
        logger.warn({ reason: outcome.reason }, "heartbeat unanswered");
      if (outcome.kind === "ok" && failing) logger.info({ backendId: id }, "heartbeats answered again");
      failing = outcome.kind === "unreachable";
    }
  };

  const run = async (): Promise<void> => {
    try {
      while (!stopped) {
        registerAgain = false;
        const intervalMs = await register();
        if (stopped || backendId === undefined || session === undefined) break;
        await heartbeatUntilLost(backendId, session, intervalMs);
      }
    } catch (error) {
      rejectRegistered(error);
      throw error;
    } finally {
      rejectRegistered(new Error("the agent stopped before it registered"));
      statuses.stop?.();
      for (const waiter of takeWaiters()) waiter(false);
    }
  };
  const ended = run();
  ended.catch(() => undefined);

  return {
    get backendId() {
      return backendId;
    },
    registered,
    ended,
    heartbeatNow() {
      if (stopped) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        waiters.push(resolve);
        wake?.();
      });
    },
    async stop() {
      if (stopped) return ended.catch(() => undefined);
      stopped = true;
      wake?.();
      await ended.catch(() => undefined);
      if (backendId === undefined || session === undefined) return;
      const request = { backendId, instanceId: opts.registration.instanceId, session };
      const outcome = await requestDeregistration(nc, request, REQUEST_TIMEOUT_MS);
      logger.info({ backendId, outcome: outcome.kind }, "deregistered");
    },
  };
}
