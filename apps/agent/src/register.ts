// agent.register and agent.deregister, one request each (protocol: libs/bus/src/messages/agent.ts):
// the watcher's answer as a value; no answer (no watcher, NATS down, timeout) is `unreachable`.
import { type AgentRegisterRequest, type AgentRejectCode, agentCodecs, subjects } from "@signalbox/bus";
import type { NatsConnection } from "./bus-types.js";

export type RegisterOutcome =
  | { kind: "accepted"; backendId: string; heartbeatIntervalMs: number }
  | { kind: "rejected"; code: AgentRejectCode; message: string }
  | { kind: "unreachable"; reason: string };

/** One registration attempt; never throws. */
export async function requestRegistration(
  nc: NatsConnection,
  request: AgentRegisterRequest,
  timeoutMs: number,
): Promise<RegisterOutcome> {
  let data: Uint8Array;
  try {
    data = (
      await nc.request(subjects.agentRegister, agentCodecs.register.encode(request), { timeout: timeoutMs })
    ).data;
  } catch (error) {
    return { kind: "unreachable", reason: (error as Error).message };
  }
  const reply = agentCodecs.registerReply.decode(data);
  if (!reply.ok) return { kind: "unreachable", reason: reply.reason };
  if (!reply.value.ok)
    return { kind: "rejected", code: reply.value.error.code, message: reply.value.error.message };
  return {
    kind: "accepted",
    backendId: reply.value.backendId,
    heartbeatIntervalMs: reply.value.heartbeatIntervalMs,
  };
}

export type DeregisterOutcome =
  | { kind: "removed" | "absent" }
  | { kind: "refused"; message: string }
  | { kind: "unreachable"; reason: string };

/** Asks the watcher to drop the backend now rather than after 3 missed heartbeats; never throws. */
export async function requestDeregistration(
  nc: NatsConnection,
  request: { backendId: string; instanceId: string; session: string },
  timeoutMs: number,
): Promise<DeregisterOutcome> {
  let data: Uint8Array;
  try {
    data = (
      await nc.request(subjects.agentDeregister, agentCodecs.deregister.encode(request), {
        timeout: timeoutMs,
      })
    ).data;
  } catch (error) {
    return { kind: "unreachable", reason: (error as Error).message };
  }
  const reply = agentCodecs.deregisterReply.decode(data);
  if (!reply.ok) return { kind: "unreachable", reason: reply.reason };
  if (!reply.value.ok) return { kind: "refused", message: reply.value.error.message };
  return { kind: reply.value.removed ? "removed" : "absent" };
}
