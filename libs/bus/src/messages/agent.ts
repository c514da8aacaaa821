// The agent protocol (agent <-> watcher, all request/reply; contract: ARCHITECTURE.md "NATS"):
//   agent.register               { token, service, address, labels, location?, weight?, instanceId, state?,
//                                  healthPath?, nonce }
//                                -> { ok: true, backendId, heartbeatIntervalMs } | { ok: false, error }
//   agent.heartbeat.<backendId>  { backendId, session, state, load, rps, inFlight, at } -> { ok: true } | { ok: false, error }
//   agent.deregister             { backendId, instanceId, session } -> { ok: true, removed } | { ok: false, error }
// The backend id is the watcher's, stable for one (service, instanceId), so registering again
// (after a NATS restart) replaces the backend, with the token that registered it only. The
// session (deriveSession(token secret, backendId, nonce), computed by the agent and the watchers,
// never sent in a reply) must come with every heartbeat and the deregistration: knowing a
// backend id is not enough to speak for it. The watcher re-checks the token at every
// heartbeat; a rejection (`unknown`, `revoked`, `expired`, `wrong-service`, `invalid`) means
// the agent exits 1, while `not-registered` (expired after 3 missed heartbeats, a watcher
// restart, or a session this watcher does not hold) means "register again". Three missed
// intervals remove the backend. Labels in the reserved prefixes are refused: the Marathon
// provider's and the label schemes' names must not be claimable by an agent.
import { z } from "zod";
import { createCodec } from "../codec.js";
import { locationSchema } from "./location.js";

/** Agent-chosen id of one agent process: `[A-Za-z0-9_-]`, 1..128 characters. */
export const AGENT_INSTANCE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Label prefixes an agent may not use: routes select Marathon backends and read options by them. */
export const RESERVED_LABEL_PREFIXES = ["marathon.", "signalbox.", "heimdall.", "HAPROXY_"] as const;

/** The first label name in a reserved prefix, or undefined. */
export function reservedLabel(labels: Record<string, string>): string | undefined {
  return Object.keys(labels).find((name) =>
    RESERVED_LABEL_PREFIXES.some((prefix) => name.startsWith(prefix)),
  );
}

/** Why an agent may not carry `name` (for errors that name the label). */
export function reservedLabelMessage(name: string): string {
  return `label "${name}" is reserved (agent labels may not start with ${RESERVED_LABEL_PREFIXES.join(", ")})`;
}

/** A session secret or registration nonce: base64url, 22..128 characters (at least 128 bits). */
const secretText = z.string().regex(/^[A-Za-z0-9_-]{22,128}$/, "is not 22..128 base64url characters");

/** A registration or heartbeat refused for good: the agent logs `message` and exits 1. */
export const agentRejectCodes = ["unknown", "revoked", "expired", "wrong-service", "invalid"] as const;
export type AgentRejectCode = (typeof agentRejectCodes)[number];

const rejection = z.object({ code: z.enum(agentRejectCodes), message: z.string() });

export const agentRegisterRequestSchema = z.object({
  /** The secret printed by `signalbox token create`. */
  token: z.string().min(1),
  service: z.string().min(1),
  /** host:port of the paired backend; the watcher validates it as a Backend address. */
  address: z.string().min(1),
  labels: z.record(z.string(), z.string()).superRefine((labels, ctx) => {
    const reserved = reservedLabel(labels);
    if (reserved !== undefined) ctx.addIssue({ code: "custom", message: reservedLabelMessage(reserved) });
  }),
  location: locationSchema.optional(),
  weight: z.number().min(0).max(10_000).optional(),
  instanceId: z.string().regex(AGENT_INSTANCE_ID),
  /** The backend's state at registration (a failing local health check: `down`); default `up`. */
  state: z.enum(["up", "draining", "down"]).optional(),
  /** The path the health service probes (its `signalbox.health.path`); default `/`. */
  healthPath: z
    .string()
    .regex(/^\/\S*$/, 'is not a path starting with "/"')
    .max(1024)
    .optional(),
  /** Fresh and random at every registration: the watchers derive the session from it. */
  nonce: secretText,
});
export type AgentRegisterRequest = z.infer<typeof agentRegisterRequestSchema>;

export const agentRegisterReplySchema = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    backendId: z.string().min(1),
    /** The watcher expects a heartbeat at least this often; 3 missed intervals remove the backend. */
    heartbeatIntervalMs: z.number().int().positive(),
  }),
  z.object({ ok: z.literal(false), error: rejection }),
]);
export type AgentRegisterReply = z.infer<typeof agentRegisterReplySchema>;

export const agentHeartbeatSchema = z.object({
  backendId: z.string().min(1),
  /** deriveSession(token secret, backendId, the registration's nonce). */
  session: secretText,
  /** `draining` and `down` stay in the table but get no new requests. */
  state: z.enum(["up", "draining", "down"]),
  /** 0..100, as the agent measures it (apps/agent/src/load-sampler.ts). */
  load: z.number().min(0).max(100),
  rps: z.number().nonnegative(),
  inFlight: z.number().int().nonnegative(),
  /** Epoch ms on the agent's clock. */
  at: z.number().int().nonnegative(),
});
export type AgentHeartbeat = z.infer<typeof agentHeartbeatSchema>;

export const agentHeartbeatReplySchema = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true) }),
  z.object({
    ok: z.literal(false),
    error: z.object({ code: z.enum([...agentRejectCodes, "not-registered"]), message: z.string() }),
  }),
]);
export type AgentHeartbeatReply = z.infer<typeof agentHeartbeatReplySchema>;

export const agentDeregisterRequestSchema = z.object({
  backendId: z.string().min(1),
  /** Must match the registration's: an id seen in the table is not enough to remove a backend. */
  instanceId: z.string().regex(AGENT_INSTANCE_ID),
  /** deriveSession(token secret, backendId, the registration's nonce). */
  session: secretText,
});
export type AgentDeregisterRequest = z.infer<typeof agentDeregisterRequestSchema>;

export const agentDeregisterReplySchema = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    /** False when the watcher did not hold the backend (already expired): deregistering is idempotent. */
    removed: z.boolean(),
  }),
  /** `invalid`: a malformed request, or an instanceId that is not the registration's. */
  z.object({ ok: z.literal(false), error: rejection }),
]);
export type AgentDeregisterReply = z.infer<typeof agentDeregisterReplySchema>;

/** One codec per message of the protocol; decode reasons name the message (`agent.register message: ...`). */
export const agentCodecs = {
  register: createCodec("agent.register", agentRegisterRequestSchema),
  registerReply: createCodec("agent.register reply", agentRegisterReplySchema),
  heartbeat: createCodec("agent.heartbeat", agentHeartbeatSchema),
  heartbeatReply: createCodec("agent.heartbeat reply", agentHeartbeatReplySchema),
  deregister: createCodec("agent.deregister", agentDeregisterRequestSchema),
  deregisterReply: createCodec("agent.deregister reply", agentDeregisterReplySchema),
};
