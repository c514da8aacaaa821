// The agent on its own, over a private nats-server: a stand-in watcher (a real NATS
// responder speaking the agent protocol) records what the agent sends, so these tests
// check the load it reports from real router stats, its retries while no watcher answers,
// and its backend child, without the watcher package.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { systemClock } from "@signalbox/backoff";
import {
  type AgentHeartbeat,
  agentCodecs,
  codecs,
  connectNats,
  deriveSession,
  subjects,
} from "@signalbox/bus";
import { type NatsServer, startNatsServer, waitUntil } from "@signalbox/bus/testing";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { NatsConnection } from "../src/bus-types.js";
import { spawnBackend } from "../src/child-process.js";
import { type AgentConfig, ChildStartError, loadConfig, start } from "../src/index.js";
import { createLocalHealthCheck } from "../src/local-health.js";
import { startSession } from "../src/session.js";

const logger = pino({ level: "silent" });
let server: NatsServer;
let nc: NatsConnection;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  server = await startNatsServer({ jetstream: false });
  nc = await connectNats({ servers: server.url, name: "test-watcher-stand-in", logger });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

/**
 * Accepts every registration as `agent-test`, holding the session it derives from the token and
 * the registration's nonce (as a watcher does; the reply never carries it), and records the
 * heartbeats and deregistrations; a heartbeat without the latest session gets `not-registered`,
 * as the watcher answers it. `forget()` makes it lose the session (a watcher restart).
 */
function standInWatcher() {
  const registrations: unknown[] = [];
  /** The session of each registration, in order. */
  const sessions: string[] = [];
  const heartbeats: AgentHeartbeat[] = [];
  const deregistrations: unknown[] = [];
  let current: string | undefined;
  const subs = [
    nc.subscribe(subjects.agentRegister, {
      callback: (_e, msg) => {
        const decoded = agentCodecs.register.decode(msg.data);
        registrations.push(decoded.ok ? decoded.value : decoded.reason);
        sessions.push(
          decoded.ok ? deriveSession(decoded.value.token, "agent-test", decoded.value.nonce) : "",
        );
        current = sessions.at(-1);
        msg.respond(
          agentCodecs.registerReply.encode({ ok: true, backendId: "agent-test", heartbeatIntervalMs: 50 }),
        );
      },
    }),
    nc.subscribe(subjects.agentHeartbeatAll, {
      callback: (_e, msg) => {
        const decoded = agentCodecs.heartbeat.decode(msg.data);
        if (decoded.ok) heartbeats.push(decoded.value);
        const known = decoded.ok && decoded.value.session === current;
        msg.respond(
          agentCodecs.heartbeatReply.encode(
            known
              ? { ok: true }
              : { ok: false, error: { code: "not-registered", message: "unknown session" } },
          ),
        );
      },
    }),
    nc.subscribe(subjects.agentDeregister, {
      callback: (_e, msg) => {
        const decoded = agentCodecs.deregister.decode(msg.data);
        deregistrations.push(decoded.ok ? decoded.value : decoded.reason);
        msg.respond(agentCodecs.deregisterReply.encode({ ok: true, removed: true }));
      },
    }),
  ];
  cleanups.push(async () => {
    for (const sub of subs) sub.unsubscribe();
  });
  return {
    registrations,
    sessions,
    heartbeats,
    deregistrations,
    forget: () => {
      current = undefined;
    },
    ready: () => nc.flush(),
  };
}

function config(env: Record<string, string> = {}): AgentConfig {
  return loadConfig({
    AGENT_BACKEND: "127.0.0.1:8081",
    AGENT_SERVICE: "web",
    AGENT_TOKEN: "secret",
    AGENT_HEARTBEAT_MS: "1000",
    AGENT_CONCURRENCY: "10",
    DRAIN_TIMEOUT_MS: "0",
    NATS_URL: server.url,
    ...env,
  });
}

describe("agent load reporting", () => {
  it("heartbeats in-flight, rps and load summed from the routers' stats for its backend", async () => {
    const watcher = standInWatcher();
    await watcher.ready();
    const agent = await start(config({ AGENT_LABELS: "tier=web" }), { logger });
    cleanups.push(() => agent.stop());
    expect(agent.backendId).toBe("agent-test");
    expect(watcher.registrations).toMatchObject([
      { service: "web", address: "127.0.0.1:8081", labels: { tier: "web" }, token: "secret", state: "up" },
    ]);

    const publish = (routerId: string, requests: number, inFlight: number) =>
      nc.publish(
        subjects.routerStats(routerId),
        codecs.routerStats.encode({
          routerId,
          at: Date.now(),
          intervalMs: 1000,
          backends: { "agent-test": { requests, errors: 0, inFlight }, other: { requests: 99, errors: 0 } },
        }),
      );
    publish("r1", 20, 3);
    publish("r2", 10, 2);
    await nc.flush();
    // the agent heartbeats every min(1000, 50) ms
    await waitUntil(
      () => watcher.heartbeats.some((b) => b.inFlight === 5),
      "a heartbeat with the routers' counts",
    );
    expect(watcher.heartbeats.find((b) => b.inFlight === 5)).toMatchObject({
      backendId: "agent-test",
      state: "up",
      inFlight: 5,
      rps: 30,
      load: 50,
    });
  });
});

describe("agent session", () => {
  it("heartbeats and deregisters with the session of its registration, and registers again when it is lost", async () => {
    const watcher = standInWatcher();
    await watcher.ready();
    const agent = await start(config({ AGENT_HEALTH_PATH: "/healthz" }), { logger });
    let stopped = false;
    cleanups.push(async () => {
      if (!stopped) await agent.stop();
    });
    expect(watcher.registrations).toEqual([
      expect.objectContaining({
        healthPath: "/healthz",
        nonce: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      }),
    ]);
    await waitUntil(() => watcher.heartbeats.length > 0, "a heartbeat");
    expect(watcher.heartbeats[0]?.session).toBe(watcher.sessions[0]);

    watcher.forget();
    await waitUntil(() => watcher.registrations.length === 2, "a second registration");
    const nonces = watcher.registrations.map((r) => (r as { nonce: string }).nonce);
    expect(nonces[1]).not.toBe(nonces[0]);
    await waitUntil(
      () => watcher.heartbeats.at(-1)?.session === watcher.sessions[1],
      "heartbeats with the new session",
    );

    stopped = true;
    await agent.stop();
    expect(watcher.deregistrations).toEqual([
      expect.objectContaining({ backendId: "agent-test", session: watcher.sessions[1] }),
    ]);
  });
});

describe("agent without a watcher", () => {
  it("retries registration until a watcher answers", async () => {
    const session = startSession({
      nc,
      clock: systemClock,
      logger,
      random: () => 0.1,
      heartbeatMs: 1000,
      registration: { token: "t", service: "web", address: "127.0.0.1:1", labels: {}, instanceId: "i" },
      sample: async () => ({ state: "up", load: 0, rps: 0, inFlight: 0 }),
    });
    cleanups.push(() => session.stop());
    // No responder: the state change cannot be told, and heartbeatNow says so.
    expect(await session.heartbeatNow()).toBe(false);
    expect(session.backendId).toBeUndefined();
    const watcher = standInWatcher();
    await watcher.ready();
    expect(await session.registered).toBe("agent-test");
    expect(await session.heartbeatNow()).toBe(true);
  });
});

describe("agent -- <command>", () => {
  it("fails to start with ChildStartError naming a command that does not exist", async () => {
    const bad = config();
    bad.command = ["/nonexistent/signalbox-backend", "--port", "1"];
    const error = await start(bad, { logger }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChildStartError);
    expect(error).toMatchObject({ code: "SB_AGENT_CHILD_START", command: bad.command });
  });

  it.each([
    [["-e", "process.exit(5)"], 5, null],
    [["-e", "process.kill(process.pid, 'SIGKILL')"], 137, "SIGKILL"],
  ])("reports the child's exit %j as code %i", async (args, code, signal) => {
    const child = await spawnBackend([process.execPath, ...args], { stdio: "ignore" });
    expect(await child.exited).toEqual({ code, signal });
  });
});

describe("local health check", () => {
  it("passes on 2xx/3xx and fails on 5xx, refused connections and timeouts", async () => {
    let status = 200;
    let hang = false;
    const http = createServer((req, res) => {
      if (hang) return;
      res.statusCode = req.url === "/healthz" ? status : 404;
      res.end();
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    cleanups.push(
      () =>
        new Promise((resolve) => {
          http.closeAllConnections();
          http.close(resolve);
        }),
    );
    const address = `127.0.0.1:${(http.address() as AddressInfo).port}`;
    const check = createLocalHealthCheck({ address, path: "/healthz", timeoutMs: 200 });
    cleanups.push(() => check.close());
    expect(await check.check()).toBe(true);
    status = 302;
    expect(await check.check()).toBe(true);
    status = 503;
    expect(await check.check()).toBe(false);
    hang = true;
    expect(await check.check()).toBe(false);
    const refused = createLocalHealthCheck({ address: "127.0.0.1:1", path: "/", timeoutMs: 200 });
    cleanups.push(() => refused.close());
    expect(await refused.check()).toBe(false);
  });
});
