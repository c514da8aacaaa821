// One heartbeat on agent.heartbeat.<backendId> (request/reply, so the agent learns at once
// when its token was revoked or its registration lost); the watcher's answer as a value.
import { type AgentHeartbeat, type AgentRejectCode, agentCodecs, subjects } from "@signalbox/bus";
import type { NatsConnection } from "./bus-types.js";

export type HeartbeatOutcome =
  | { kind: "ok" }
  /** The watcher does not hold this backend (expired, or the watcher restarted): register again. */
  | { kind: "not-registered"; message: string }
  /** The token is no longer valid: the agent exits 1. */
  | { kind: "rejected"; code: AgentRejectCode; message: string }
  | { kind: "unreachable"; reason: string };

/** Sends `beat` and waits up to `timeoutMs` for the answer; never throws. */
export async function sendHeartbeat(
  nc: NatsConnection,
  beat: AgentHeartbeat,
  timeoutMs: number,
): Promise<HeartbeatOutcome> {
  let data: Uint8Array;
  try {
    const subject = subjects.agentHeartbeat(beat.backendId);
    data = (await nc.request(subject, agentCodecs.heartbeat.encode(beat), { timeout: timeoutMs })).data;
  } catch (error) {
    return { kind: "unreachable", reason: (error as Error).message };
  }
  const reply = agentCodecs.heartbeatReply.decode(data);
  if (!reply.ok) return { kind: "unreachable", reason: reply.reason };
  if (reply.value.ok) return { kind: "ok" };
  const { code, message } = reply.value.error;
  return code === "not-registered"
    ? { kind: "not-registered", message }
    : { kind: "rejected", code, message };
}
