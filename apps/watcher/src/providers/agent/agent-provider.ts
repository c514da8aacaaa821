// The agent provider: agents register their backend over NATS with a token and keep it
// with heartbeats; the provider emits every registered backend (source `agent`, no
// endpoints: routes pick agent backends by label selector).
//
// Protocol (schemas: libs/bus/src/messages/agent.ts), all request/reply:
//   agent.register               { token, service, address, labels, location?, weight?, instanceId, state?,
//                                  healthPath?, nonce }
//     -> { ok: true, backendId, heartbeatIntervalMs }
//      | { ok: false, error: { code: "unknown" | "revoked" | "expired" | "wrong-service" | "invalid", message } }
//   agent.heartbeat.<backendId>  { backendId, session, state, load, rps, inFlight, at } -> { ok: true } | { ok: false, error }
//   agent.deregister             { backendId, instanceId, session } -> { ok: true, removed } | { ok: false, error }
// - Labels in the reserved prefixes (marathon., signalbox., heimdall., HAPROXY_) are refused;
//   `healthPath` becomes the backend's `signalbox.health.path`.
// - A registration may replace a backend only with the token that registered it.
// - The session (deriveSession in libs/bus, which the agent computes itself: it is never in a
//   reply) must come with every heartbeat and the deregistration; without it (or with another) nothing changes: a heartbeat gets
//   `not-registered` (a genuine agent registers again), a deregistration `invalid`.
// - The token is checked at registration (`tokens.verify`) and again at every heartbeat
//   (`tokens.check`): a token revoked, expired or gone since removes the backend and the
//   reply carries the reason, so the agent exits 1 saying why.
// - A heartbeat for an id the provider does not hold gets `not-registered` (it expired, or
//   this watcher restarted): the agent registers again.
// - No heartbeat for `missedHeartbeats` x `heartbeatIntervalMs` (on the injected Clock)
//   removes the backend. `draining` and `down` backends stay in the table with that state;
//   routers send them nothing new.
// - The backend id is stable per (service, instanceId), so registering again replaces.
// - A registration gets no reply when the token store cannot be read ("try again later");
//   a heartbeat is then accepted unchecked, so a KV outage does not expire every agent.
// Every watcher (leader and standbys) subscribes without a queue group, so each holds the
// same agents and a takeover loses none. A watcher that starts adopts the agent backends
// of the table in KV (`resumeFrom`) until their agents register again or expire, so a
// restart of the only watcher does not take them out of rotation in between.
import type { Clock } from "@signalbox/backoff";
import {
  agentCodecs,
  type Codec,
  decodeServiceToken,
  deriveSession,
  sameSession,
  subjects,
} from "@signalbox/bus";
import { type Backend, parseBackend, ValidationError } from "@signalbox/route-model";
import type { Logger } from "pino";
import type { NatsConnection } from "../../bus-types.js";
import type { TokenVerifier } from "../../tokens/token-verifier.js";
import type { Provider, ProviderSnapshot } from "../provider.js";
import { type AgentRegistry, agentBackendId, createAgentRegistry } from "./agent-registry.js";

/** The label the health service reads the probe path from (apps/health probe-target.ts). */
const HEALTH_PATH_LABEL = "signalbox.health.path";

export interface AgentProviderOptions {
  nc: NatsConnection;
  tokens: TokenVerifier;
  clock: Clock;
  logger: Logger;
  /** Told to agents at registration; they heartbeat at most this far apart. */
  heartbeatIntervalMs: number;
  /** Heartbeat intervals without one before the backend is removed (the contract says 3). */
  missedHeartbeats: number;
  /** The agent backends of the table last published, adopted at start. */
  resumeFrom?: () => Promise<readonly Backend[]>;
}

type Msg = Parameters<NonNullable<Parameters<NatsConnection["subscribe"]>[1]>["callback"] & {}>[1];

/** Emits the adopted backends once its subscriptions are live, then a snapshot after every visible change. */
export function createAgentProvider(opts: AgentProviderOptions): Provider {
  return { source: "agent", run: (emit, signal) => runAgents(opts, emit, signal) };
}

async function runAgents(
  opts: AgentProviderOptions,
  emit: (snapshot: ProviderSnapshot) => void,
  signal: AbortSignal,
): Promise<void> {
  const { nc, clock, logger } = opts;
  const registry = createAgentRegistry({
    clock,
    expiryMs: opts.heartbeatIntervalMs * opts.missedHeartbeats,
    onChange: () => emit({ source: "agent", endpoints: [], backends: registry.backends(), warnings: [] }),
    onExpire: (backend) =>
      logger.warn(
        { backendId: backend.id, service: backend.service, missedHeartbeats: opts.missedHeartbeats },
        "agent backend removed: no heartbeat",
      ),
  });
  const handlers = createHandlers(opts, registry);
  const handle = (name: string, handler: (msg: Msg) => Promise<void>) => (error: Error | null, msg: Msg) => {
    if (error) {
      logger.error({ err: error }, `agent ${name} subscription failed`);
      return;
    }
    handler(msg).catch((err: unknown) => logger.error({ err, subject: msg.subject }, `agent ${name} failed`));
  };
  const subscriptions = [
    nc.subscribe(subjects.agentRegister, { callback: handle("register", handlers.register) }),
    nc.subscribe(subjects.agentHeartbeatAll, { callback: handle("heartbeat", handlers.heartbeat) }),
    nc.subscribe(subjects.agentDeregister, { callback: handle("deregister", handlers.deregister) }),
  ];
  try {
    await nc.flush();
    registry.adopt(
      (await opts.resumeFrom?.().catch((error: unknown) => {
        logger.warn(
          { err: error },
          "could not read the agent backends to resume; agents will register again",
        );
        return [];
      })) ?? [],
    );
    if (!signal.aborted)
      emit({ source: "agent", endpoints: [], backends: registry.backends(), warnings: [] });
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener("abort", () => resolve(), { once: true });
    });
  } finally {
    for (const subscription of subscriptions) subscription.unsubscribe();
    registry.clear();
  }
}

function createHandlers(opts: AgentProviderOptions, registry: AgentRegistry) {
  const { tokens, clock, logger } = opts;
  const reply = <T>(msg: Msg, codec: Codec<T>, value: T) => {
    if (msg.reply) msg.respond(codec.encode(value));
  };

  return {
    async register(msg: Msg) {
      const decoded = agentCodecs.register.decode(msg.data);
      if (!decoded.ok) {
        reply(msg, agentCodecs.registerReply, {
          ok: false,
          error: { code: "invalid", message: decoded.reason },
        });
        return;
      }
      const request = decoded.value;
      const verdict = await tokens.verify(request.token, request.service, clock.now());
      if (!verdict.ok) {
        logger.warn(
          { service: request.service, reason: verdict.reason },
          `agent rejected: ${verdict.message}`,
        );
        reply(msg, agentCodecs.registerReply, {
          ok: false,
          error: { code: verdict.reason, message: verdict.message },
        });
        return;
      }
      let backend: Backend;
      try {
        backend = parseBackend({
          id: agentBackendId(request.service, request.instanceId),
          service: request.service,
          address: request.address,
          labels: {
            ...request.labels,
            ...(request.healthPath !== undefined && { [HEALTH_PATH_LABEL]: request.healthPath }),
          },
          state: request.state ?? "up",
          source: "agent",
          connectedAt: clock.now(),
          ...(request.weight !== undefined && { weight: request.weight }),
          ...(request.location !== undefined && { location: request.location }),
        });
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        reply(msg, agentCodecs.registerReply, {
          ok: false,
          error: { code: "invalid", message: error.message },
        });
        return;
      }
      const held = registry.get(backend.id);
      if (held?.tokenId !== undefined && held.tokenId !== verdict.tokenId) {
        const message = `backend ${backend.id} (instance "${request.instanceId}" of service "${request.service}") was registered with another token`;
        logger.warn({ backendId: backend.id, tokenId: verdict.tokenId }, `agent rejected: ${message}`);
        reply(msg, agentCodecs.registerReply, { ok: false, error: { code: "invalid", message } });
        return;
      }
      const replaced = held !== undefined;
      const session = deriveSession(request.token, backend.id, request.nonce);
      registry.register(backend, verdict.tokenId, session);
      logger.info(
        {
          backendId: backend.id,
          service: backend.service,
          address: backend.address,
          tokenId: verdict.tokenId,
          replaced,
        },
        "agent registered",
      );
      reply(msg, agentCodecs.registerReply, {
        ok: true,
        backendId: backend.id,
        heartbeatIntervalMs: opts.heartbeatIntervalMs,
      });
    },

    async heartbeat(msg: Msg) {
      const decoded = agentCodecs.heartbeat.decode(msg.data);
      const subjectId = decodeSubjectId(msg.subject);
      if (!decoded.ok || decoded.value.backendId !== subjectId) {
        const message = decoded.ok
          ? `backendId "${decoded.value.backendId}" is not the subject's`
          : decoded.reason;
        reply(msg, agentCodecs.heartbeatReply, { ok: false, error: { code: "invalid", message } });
        return;
      }
      const beat = decoded.value;
      const entry = registry.get(beat.backendId);
      if (entry?.tokenId === undefined || !sameSession(entry.session, beat.session)) {
        const message = entry?.tokenId
          ? `the session is not backend ${beat.backendId}'s; register again`
          : `backend ${beat.backendId} is not registered here; register again`;
        reply(msg, agentCodecs.heartbeatReply, { ok: false, error: { code: "not-registered", message } });
        return;
      }
      const verdict = await tokens
        .check(entry.tokenId, entry.backend.service, clock.now())
        .catch((error: unknown) => {
          // The token store is unreadable (NATS KV trouble): keep the agent rather than let
          // every agent expire during an outage; the next heartbeat checks again.
          logger.warn(
            { err: error, backendId: beat.backendId },
            "token check failed; heartbeat accepted unchecked",
          );
          return undefined;
        });
      if (verdict && !verdict.ok) {
        // Only if the registration checked is still the one held (not replaced meanwhile).
        if (registry.get(beat.backendId)?.tokenId === entry.tokenId) registry.remove(beat.backendId);
        logger.warn(
          { backendId: beat.backendId, service: entry.backend.service, reason: verdict.reason },
          `agent backend removed: ${verdict.message}`,
        );
        reply(msg, agentCodecs.heartbeatReply, {
          ok: false,
          error: { code: verdict.reason, message: verdict.message },
        });
        return;
      }
      // The token check awaited KV: the backend may have been removed or registered again since.
      const current = registry.get(beat.backendId);
      if (
        current?.session !== entry.session ||
        !registry.heartbeat(beat.backendId, { state: beat.state, load: beat.load, rps: beat.rps })
      ) {
        const message = `backend ${beat.backendId} was removed or registered again; register again`;
        reply(msg, agentCodecs.heartbeatReply, { ok: false, error: { code: "not-registered", message } });
        return;
      }
      reply(msg, agentCodecs.heartbeatReply, { ok: true });
    },

    async deregister(msg: Msg) {
      const decoded = agentCodecs.deregister.decode(msg.data);
      if (!decoded.ok) {
        reply(msg, agentCodecs.deregisterReply, {
          ok: false,
          error: { code: "invalid", message: decoded.reason },
        });
        return;
      }
      const { backendId, instanceId, session } = decoded.value;
      const entry = registry.get(backendId);
      // The id derives from (service, instanceId): only the instance that registered it matches,
      // and only with the session of its registration.
      if (entry && agentBackendId(entry.backend.service, instanceId) !== backendId) {
        const message = `backend ${backendId} was registered by another agent instance`;
        reply(msg, agentCodecs.deregisterReply, { ok: false, error: { code: "invalid", message } });
        return;
      }
      if (entry && !sameSession(entry.session, session)) {
        const message = `the session is not backend ${backendId}'s`;
        reply(msg, agentCodecs.deregisterReply, { ok: false, error: { code: "invalid", message } });
        return;
      }
      const removed = registry.remove(backendId);
      if (removed) logger.info({ backendId, service: entry?.backend.service }, "agent deregistered");
      reply(msg, agentCodecs.deregisterReply, { ok: true, removed });
    },
  };
}

/** The backend id in `agent.heartbeat.<id>`, or undefined when the token does not decode. */
function decodeSubjectId(subject: string): string | undefined {
  try {
    return decodeServiceToken(subject.slice(subject.lastIndexOf(".") + 1));
  } catch {
    return undefined;
  }
}
