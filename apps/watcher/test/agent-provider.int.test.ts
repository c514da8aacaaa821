// The agent provider over a private nats-server, with the real token store on
// signalbox-config: the agent protocol spoken by hand, so every reply is checked.
import { randomBytes } from "node:crypto";
import { ManualClock } from "@signalbox/backoff/testing";
import { agentCodecs, connectNats, deriveSession, openConfigBucket, subjects } from "@signalbox/bus";
import { type NatsServer, startNatsServer } from "@signalbox/bus/testing";
import type { Backend } from "@signalbox/route-model";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { NatsConnection } from "../src/bus-types.js";
import { createAgentProvider } from "../src/providers/agent/agent-provider.js";
import type { ProviderSnapshot } from "../src/providers/provider.js";
import { createTokenStore, type TokenStore } from "../src/tokens/token-store.js";

const logger = pino({ level: "silent" });
const HEARTBEAT_MS = 100;

let server: NatsServer;
let watcherNc: NatsConnection;
let agentNc: NatsConnection;
let tokens: TokenStore;

beforeAll(async () => {
  server = await startNatsServer();
  watcherNc = await connectNats({ servers: server.url, name: "test-watcher", logger });
  agentNc = await connectNats({ servers: server.url, name: "test-agent", logger });
  tokens = createTokenStore({ configKv: await openConfigBucket(watcherNc) });
});

afterAll(async () => {
  await agentNc?.close();
  await watcherNc?.close();
  await server?.stop();
});

let clock: ManualClock;
let snapshots: ProviderSnapshot[];
let running: AbortController;
let run: Promise<void>;

beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2026, 0, 1));
  snapshots = [];
  running = new AbortController();
  const provider = createAgentProvider({
    nc: watcherNc,
    tokens,
    clock,
    logger,
    heartbeatIntervalMs: HEARTBEAT_MS,
    missedHeartbeats: 3,
  });
  expect(provider.source).toBe("agent");
  const first = new Promise<void>((resolve) => {
    run = provider.run((snapshot) => {
      snapshots.push(snapshot);
      resolve();
    }, running.signal);
  });
  await first;
});

afterEach(async () => {
  running.abort();
  await run;
});

const backends = (): Backend[] => snapshots.at(-1)?.backends ?? [];

/** The session of each backend's last accepted registration, sent by heartbeat() and deregister(). */
const sessions = new Map<string, string>();

async function register(request: Record<string, unknown>) {
  const reply = await agentNc.request(
    subjects.agentRegister,
    new TextEncoder().encode(JSON.stringify(request)),
    {
      timeout: 2000,
    },
  );
  const decoded = agentCodecs.registerReply.decode(reply.data);
  if (!decoded.ok) throw new Error(decoded.reason);
  if (decoded.value.ok) {
    const { token, nonce } = request as { token: string; nonce: string };
    sessions.set(decoded.value.backendId, deriveSession(token, decoded.value.backendId, nonce));
  }
  return decoded.value;
}

async function heartbeat(backendId: string, fields: Partial<Record<string, unknown>> = {}) {
  const session = sessions.get(backendId);
  const beat = { backendId, session, state: "up", load: 0, rps: 0, inFlight: 0, at: clock.now(), ...fields };
  const reply = await agentNc.request(
    subjects.agentHeartbeat(backendId),
    new TextEncoder().encode(JSON.stringify(beat)),
    { timeout: 2000 },
  );
  const decoded = agentCodecs.heartbeatReply.decode(reply.data);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.value;
}

async function deregister(backendId: string, instanceId: string, session = sessions.get(backendId) ?? "") {
  const reply = await agentNc.request(
    subjects.agentDeregister,
    new TextEncoder().encode(JSON.stringify({ backendId, instanceId, session })),
    { timeout: 2000 },
  );
  const decoded = agentCodecs.deregisterReply.decode(reply.data);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.value;
}

/** A fresh registration nonce, as the agent makes one per attempt. */
const nonce = () => randomBytes(16).toString("base64url");

async function newSecret(opts: { service?: string; ttlMs?: number } = {}) {
  return (await tokens.create({ ...opts, now: clock.now() })).secret;
}

function registration(token: string, overrides: Record<string, unknown> = {}) {
  return {
    token,
    service: "web",
    address: "127.0.0.1:8081",
    labels: { tier: "web", release: "v1" },
    instanceId: "web-1",
    nonce: nonce(),
    ...overrides,
  };
}

async function registerOk(token: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const reply = await register(registration(token, overrides));
  if (!reply.ok) throw new Error(`rejected: ${reply.error.message}`);
  return reply.backendId;
}

describe("agent provider", () => {
  it("starts with an empty agent snapshot", () => {
    expect(snapshots).toEqual([{ source: "agent", endpoints: [], backends: [], warnings: [] }]);
  });

  it("accepts a valid token and adds the backend with its labels and source agent", async () => {
    const reply = await register(
      registration(await newSecret({ service: "web" }), {
        weight: 3,
        location: { cityName: "Paris", latitude: 48.85 },
      }),
    );
    expect(reply).toEqual({
      ok: true,
      backendId: expect.stringMatching(/^agent-/),
      heartbeatIntervalMs: HEARTBEAT_MS,
    });
    expect(backends()).toEqual([
      {
        id: reply.ok ? reply.backendId : "",
        service: "web",
        address: "127.0.0.1:8081",
        labels: { tier: "web", release: "v1" },
        state: "up",
        source: "agent",
        connectedAt: clock.now(),
        weight: 3,
        location: { cityName: "Paris", latitude: 48.85 },
      },
    ]);
  });

  it.each([
    ["unknown", async () => "tok_000000000000.not-a-secret-we-issued"],
    [
      "revoked",
      async () => {
        const created = await tokens.create({ now: clock.now() });
        await tokens.revoke(created.record.id, clock.now());
        return created.secret;
      },
    ],
    [
      "expired",
      async () => {
        const secret = await newSecret({ ttlMs: 1000 });
        clock.advance(1000);
        return secret;
      },
    ],
    ["wrong-service", async () => newSecret({ service: "api" })],
  ])("rejects a %s token with its reason and adds nothing", async (code, makeSecret) => {
    const reply = await register(registration(await makeSecret()));
    expect(reply).toMatchObject({ ok: false, error: { code } });
    if (!reply.ok) expect(reply.error.message.length).toBeGreaterThan(0);
    expect(backends()).toEqual([]);
  });

  it.each([
    [{ address: "no-port" }, /address/],
    [{ labels: { tier: 1 } }, /labels\.tier/],
    [{ instanceId: "has space" }, /instanceId/],
  ])("rejects an invalid registration %j naming the field", async (overrides, field) => {
    const reply = await register(registration(await newSecret(), overrides));
    expect(reply).toMatchObject({ ok: false, error: { code: "invalid" } });
    if (!reply.ok) expect(reply.error.message).toMatch(field);
    expect(backends()).toEqual([]);
  });

  it("applies heartbeats: state, load and rps; draining and down stay in the table", async () => {
    const id = await registerOk(await newSecret());
    expect(await heartbeat(id, { load: 40, rps: 12.5, inFlight: 3 })).toEqual({ ok: true });
    expect(backends()[0]).toMatchObject({ id, state: "up", load: 40, rps: 12.5 });
    expect(await heartbeat(id, { state: "draining" })).toEqual({ ok: true });
    expect(backends()[0]).toMatchObject({ id, state: "draining" });
    expect(await heartbeat(id, { state: "down" })).toEqual({ ok: true });
    expect(backends()[0]).toMatchObject({ id, state: "down" });
  });

  it("removes the backend after three missed heartbeat intervals, then asks it to register again", async () => {
    const id = await registerOk(await newSecret());
    clock.advance(2 * HEARTBEAT_MS);
    expect(await heartbeat(id)).toEqual({ ok: true });
    clock.advance(3 * HEARTBEAT_MS - 1);
    expect(backends().map((b) => b.id)).toEqual([id]);
    clock.advance(1);
    expect(backends()).toEqual([]);
    expect(await heartbeat(id)).toMatchObject({ ok: false, error: { code: "not-registered" } });
  });

  it("rejects the next heartbeat once the token is revoked, and drops the backend", async () => {
    const created = await tokens.create({ now: clock.now() });
    const id = await registerOk(created.secret);
    expect(await heartbeat(id)).toEqual({ ok: true });
    await tokens.revoke(created.record.id, clock.now());
    expect(await heartbeat(id)).toMatchObject({ ok: false, error: { code: "revoked" } });
    expect(backends()).toEqual([]);
  });

  it("rejects the next heartbeat once the token has expired", async () => {
    const id = await registerOk(await newSecret({ ttlMs: 10 * HEARTBEAT_MS }));
    clock.advance(2 * HEARTBEAT_MS);
    expect(await heartbeat(id)).toEqual({ ok: true });
    // keep it alive until the token's end, each heartbeat in time
    for (let at = 2; at < 10; at += 2) {
      clock.advance(2 * HEARTBEAT_MS);
      const reply = await heartbeat(id);
      if (at + 2 < 10) expect(reply).toEqual({ ok: true });
      else expect(reply).toMatchObject({ ok: false, error: { code: "expired" } });
    }
    expect(backends()).toEqual([]);
  });

  it("keeps a backend whose token cannot be checked (token store unreadable)", async () => {
    running.abort();
    await run;
    // The real store, but its re-check fails as a KV read would during an outage.
    const unreadable = {
      verify: tokens.verify.bind(tokens),
      check: () => Promise.reject(new Error("KV unavailable")),
    };
    running = new AbortController();
    const provider = createAgentProvider({
      nc: watcherNc,
      tokens: unreadable,
      clock,
      logger,
      heartbeatIntervalMs: HEARTBEAT_MS,
      missedHeartbeats: 3,
    });
    await new Promise<void>((resolve) => {
      run = provider.run((snapshot) => {
        snapshots.push(snapshot);
        resolve();
      }, running.signal);
    });
    const id = await registerOk(await newSecret());
    clock.advance(2 * HEARTBEAT_MS);
    expect(await heartbeat(id, { load: 7 })).toEqual({ ok: true });
    clock.advance(2 * HEARTBEAT_MS);
    expect(backends()[0]).toMatchObject({ id, load: 7 });
  });

  it("replaces the backend when the same instance registers again", async () => {
    const secret = await newSecret();
    const first = await registerOk(secret);
    const connectedAt = backends()[0]?.connectedAt;
    clock.advance(HEARTBEAT_MS);
    const second = await registerOk(secret, { labels: { tier: "web", release: "v2" } });
    expect(second).toBe(first);
    expect(backends()).toHaveLength(1);
    expect(backends()[0]).toMatchObject({ labels: { release: "v2" }, connectedAt });
    const other = await registerOk(secret, { instanceId: "web-2" });
    expect(other).not.toBe(first);
    expect(backends()).toHaveLength(2);
  });

  it("deregisters only for the registering instance, and idempotently", async () => {
    const id = await registerOk(await newSecret());
    expect(await deregister(id, "someone-else")).toMatchObject({ ok: false, error: { code: "invalid" } });
    expect(backends()).toHaveLength(1);
    expect(await deregister(id, "web-1")).toEqual({ ok: true, removed: true });
    expect(backends()).toEqual([]);
    expect(await deregister(id, "web-1")).toEqual({ ok: true, removed: false });
  });

  it("refuses a heartbeat whose body names another backend than its subject", async () => {
    const id = await registerOk(await newSecret());
    const session = sessions.get(id);
    const beat = { backendId: "agent-other", session, state: "up", load: 0, rps: 0, inFlight: 0, at: 1 };
    const reply = await agentNc.request(
      subjects.agentHeartbeat(id),
      agentCodecs.heartbeat.encode(beat as never),
      {
        timeout: 2000,
      },
    );
    expect(agentCodecs.heartbeatReply.decode(reply.data)).toMatchObject({
      ok: true,
      value: { ok: false, error: { code: "invalid" } },
    });
  });

  it("refuses reserved labels, naming the label, and adds nothing", async () => {
    for (const label of ["marathon.app", "signalbox.host", "heimdall.host", "HAPROXY_0_VHOST"]) {
      const reply = await register(registration(await newSecret(), { labels: { [label]: "/shop/web" } }));
      expect(reply).toMatchObject({ ok: false, error: { code: "invalid" } });
      if (!reply.ok) expect(reply.error.message).toContain(`label "${label}" is reserved`);
    }
    expect(backends()).toEqual([]);
  });

  it("carries the health path as a field, not a free label", async () => {
    const id = await registerOk(await newSecret(), { healthPath: "/healthz" });
    expect(backends()[0]).toMatchObject({ id, labels: { tier: "web", "signalbox.health.path": "/healthz" } });
  });

  it("refuses a registration for another service than its token's", async () => {
    const reply = await register(registration(await newSecret({ service: "web" }), { service: "billing" }));
    expect(reply).toMatchObject({ ok: false, error: { code: "wrong-service" } });
    expect(backends()).toEqual([]);
  });

  it("lets only the token that registered an instance replace its backend", async () => {
    const id = await registerOk(await newSecret());
    const reply = await register(
      registration(await newSecret(), { address: "127.0.0.1:9999", labels: { tier: "evil" } }),
    );
    expect(reply).toMatchObject({ ok: false, error: { code: "invalid" } });
    if (!reply.ok) expect(reply.error.message).toMatch(/registered with another token/);
    expect(backends()).toEqual([expect.objectContaining({ id, address: "127.0.0.1:8081" })]);
  });

  it("changes nothing for a heartbeat or deregistration without the session, or with another", async () => {
    const secret = await newSecret();
    const id = await registerOk(secret);
    const genuine = sessions.get(id) ?? "";
    const forged = randomBytes(32).toString("base64url");
    expect(await heartbeat(id, { session: forged, state: "down", load: 99 })).toMatchObject({
      ok: false,
      error: { code: "not-registered" },
    });
    expect(await heartbeat(id, { session: undefined, state: "down" })).toMatchObject({
      ok: false,
      error: { code: "invalid" },
    });
    expect(await deregister(id, "web-1", forged)).toMatchObject({ ok: false, error: { code: "invalid" } });
    expect(backends()).toEqual([expect.objectContaining({ id, state: "up" })]);
    expect(backends()[0]?.load).toBeUndefined();
    // A registration again starts a new session and ends the old one.
    await registerOk(secret);
    expect(sessions.get(id)).not.toBe(genuine);
    expect(await heartbeat(id, { session: genuine })).toMatchObject({
      ok: false,
      error: { code: "not-registered" },
    });
    expect(await heartbeat(id)).toEqual({ ok: true });
  });

  it("stops answering once aborted", async () => {
    running.abort();
    await run;
    await expect(register(registration(await newSecret()))).rejects.toThrow();
  });
});
