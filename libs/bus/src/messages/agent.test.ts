import { describe, expect, it } from "vitest";
import { agentCodecs } from "./agent.js";

const encoder = new TextEncoder();
const register = {
  token: "secret",
  service: "/shop/web",
  address: "127.0.0.1:8081",
  labels: { tier: "web" },
  instanceId: "i-1",
  nonce: "n".repeat(43),
};
const session = "s".repeat(43);

describe("agent messages", () => {
  it("round-trips a registration and its replies", () => {
    const data = agentCodecs.register.encode({ ...register, weight: 2, location: { cityName: "Paris" } });
    expect(agentCodecs.register.decode(data)).toEqual({
      ok: true,
      value: { ...register, weight: 2, location: { cityName: "Paris" } },
    });
    const accepted = { ok: true as const, backendId: "agent-1", heartbeatIntervalMs: 2000 };
    expect(agentCodecs.registerReply.decode(agentCodecs.registerReply.encode(accepted))).toEqual({
      ok: true,
      value: accepted,
    });
    const rejected = {
      ok: false as const,
      error: { code: "revoked" as const, message: "token t1 was revoked" },
    };
    expect(agentCodecs.registerReply.decode(agentCodecs.registerReply.encode(rejected))).toEqual({
      ok: true,
      value: rejected,
    });
  });

  it.each([
    [{ ...register, token: "" }, /token/],
    [{ ...register, instanceId: "a.b" }, /instanceId/],
    [{ ...register, labels: { tier: 1 } }, /labels\.tier/],
    [{ ...register, weight: 10_001 }, /weight/],
    [{ ...register, location: { latitude: 91 } }, /location\.latitude/],
    [{ ...register, state: "gone" }, /state/],
    [{ ...register, labels: { "marathon.app": "/shop/web" } }, /label "marathon\.app" is reserved/],
    [{ ...register, labels: { HAPROXY_0_VHOST: "a.test" } }, /label "HAPROXY_0_VHOST" is reserved/],
    [{ ...register, healthPath: "healthz" }, /healthPath/],
    [{ ...register, nonce: "short" }, /nonce/],
    [{ ...register, nonce: undefined }, /nonce/],
  ])("rejects a bad registration %#, naming the field", (message, field) => {
    const result = agentCodecs.register.decode(encoder.encode(JSON.stringify(message)));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(field);
  });

  it("validates heartbeats and their replies", () => {
    const beat = {
      backendId: "agent-1",
      session,
      state: "draining",
      load: 40,
      rps: 12.5,
      inFlight: 3,
      at: 1000,
    };
    expect(
      agentCodecs.heartbeat.decode(encoder.encode(JSON.stringify({ ...beat, session: undefined }))).ok,
    ).toBe(false);
    expect(agentCodecs.heartbeat.decode(encoder.encode(JSON.stringify(beat))).ok).toBe(true);
    expect(agentCodecs.heartbeat.decode(encoder.encode(JSON.stringify({ ...beat, load: 101 }))).ok).toBe(
      false,
    );
    expect(agentCodecs.heartbeat.decode(encoder.encode(JSON.stringify({ ...beat, inFlight: -1 }))).ok).toBe(
      false,
    );
    const notRegistered = { ok: false, error: { code: "not-registered", message: "register again" } };
    expect(agentCodecs.heartbeatReply.decode(encoder.encode(JSON.stringify(notRegistered))).ok).toBe(true);
    const other = { ok: false, error: { code: "gone", message: "?" } };
    expect(agentCodecs.heartbeatReply.decode(encoder.encode(JSON.stringify(other))).ok).toBe(false);
  });

  it("requires the instance id and the session to deregister", () => {
    for (const partial of [
      { backendId: "agent-1", session },
      { backendId: "agent-1", instanceId: "i-1" },
    ]) {
      expect(agentCodecs.deregister.decode(encoder.encode(JSON.stringify(partial))).ok).toBe(false);
    }
    const request = { backendId: "agent-1", instanceId: "i-1", session };
    expect(agentCodecs.deregister.decode(agentCodecs.deregister.encode(request))).toEqual({
      ok: true,
      value: request,
    });
  });
});
