// Real agents (@signalbox/agent start()) against the watcher's agent provider and the real
// token store, over a private nats-server: registration, rejections, heartbeat loss, a NATS
// restart, the local health check, drain on stop, and `agent -- <command>` children.
import { readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AgentConfig, AgentRejectedError, loadConfig, start } from "@signalbox/agent";
import { type Clock, systemClock } from "@signalbox/backoff";
import { ManualClock } from "@signalbox/backoff/testing";
import { connectNats, openConfigBucket } from "@signalbox/bus";
import { findFreePorts, type NatsServer, startNatsServer, waitUntil } from "@signalbox/bus/testing";
import type { Backend } from "@signalbox/route-model";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { NatsConnection } from "../src/bus-types.js";
import { createAgentProvider } from "../src/providers/agent/agent-provider.js";
import type { ProviderSnapshot } from "../src/providers/provider.js";
import { createTokenStore, type TokenStore } from "../src/tokens/token-store.js";

const logger = pino({ level: "silent" });
const HEARTBEAT_MS = 100;

let server: NatsServer;
let watcherNc: NatsConnection;
let tokens: TokenStore;
/** Every agent, connection and provider a test starts, stopped after it even when it fails. */
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  server = await startNatsServer();
  watcherNc = await connectNats({ servers: server.url, name: "test-watcher", logger });
  tokens = createTokenStore({ configKv: await openConfigBucket(watcherNc) });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

afterAll(async () => {
  await watcherNc?.close();
  await server?.stop();
});

interface Watch {
  history: { at: number; snapshot: ProviderSnapshot }[];
  backends(): Backend[];
  backend(id: string): Backend | undefined;
}

/** Runs the agent provider until the test ends; `history` has every snapshot with its real time. */
async function runProvider(clock: Clock = systemClock): Promise<Watch> {
  const history: Watch["history"] = [];
  const running = new AbortController();
  const provider = createAgentProvider({
    nc: watcherNc,
    tokens,
    clock,
    logger,
    heartbeatIntervalMs: HEARTBEAT_MS,
    missedHeartbeats: 3,
  });
  let run: Promise<void> = Promise.resolve();
  await new Promise<void>((resolve) => {
    run = provider.run((snapshot) => {
      history.push({ at: Date.now(), snapshot });
      resolve();
    }, running.signal);
  });
  cleanups.push(async () => {
    running.abort();
    await run;
  });
  const backends = () => history.at(-1)?.snapshot.backends ?? [];
  return { history, backends, backend: (id) => backends().find((b) => b.id === id) };
}

async function newSecret(opts: { service?: string; ttlMs?: number } = {}): Promise<string> {
  return (await tokens.create({ ...opts, now: Date.now() })).secret;
}

function agentConfig(token: string, env: Record<string, string> = {}): AgentConfig {
  return loadConfig({
    AGENT_BACKEND: "127.0.0.1:8081",
    AGENT_SERVICE: "web",
    AGENT_TOKEN: token,
    AGENT_LABELS: "tier=web release:v1",
    AGENT_HEARTBEAT_MS: String(HEARTBEAT_MS),
    DRAIN_TIMEOUT_MS: "1000",
    NATS_URL: server.url,
    ...env,
  });
}

async function startAgent(config: AgentConfig, deps: Parameters<typeof start>[1] = {}) {
  const agent = await start(config, { logger, childStdio: "ignore", ...deps });
  cleanups.push(() => agent.stop());
  return agent;
}

async function listen(
  handler: Parameters<typeof createServer>[1],
): Promise<{ server: Server; address: string }> {
  const http = createServer(handler);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => http.close(resolve)));
  return { server: http, address: `127.0.0.1:${(http.address() as AddressInfo).port}` };
}

describe("agent registration", () => {
  it("joins the table with its labels and source agent, then drains and leaves on stop()", async () => {
    const watch = await runProvider();
    const agent = await startAgent(agentConfig(await newSecret({ service: "web" })));
    expect(watch.backend(agent.backendId)).toMatchObject({
      id: agent.backendId,
      service: "web",
      address: "127.0.0.1:8081",
      labels: { tier: "web", release: "v1" },
      state: "up",
      source: "agent",
    });
    // heartbeats keep it well past 3 intervals
    await new Promise((resolve) => setTimeout(resolve, 6 * HEARTBEAT_MS));
    expect(watch.backend(agent.backendId)?.state).toBe("up");

    await agent.stop();
    expect(await agent.exited).toBe(0);
    const states = watch.history.map(
      ({ snapshot }) => snapshot.backends.find((b) => b.id === agent.backendId)?.state,
    );
    const drainingAt = states.indexOf("draining");
    expect(drainingAt).toBeGreaterThan(0);
    expect(states.at(-1)).toBeUndefined();
    expect(states.slice(drainingAt + 1).every((state) => state !== "up")).toBe(true);
  });

  it.each([
    ["unknown", async () => "tok_0123456789ab.never-issued"],
    [
      "revoked",
      async () => {
        const created = await tokens.create({ now: Date.now() });
        await tokens.revoke(created.record.id, Date.now());
        return created.secret;
      },
    ],
    ["expired", async () => newSecret({ ttlMs: 1 })],
    ["wrong-service", async () => newSecret({ service: "billing" })],
  ])(
    "refuses a %s token: start() rejects with AgentRejectedError and nothing joins",
    async (reason, secret) => {
      const watch = await runProvider();
      const token = await secret();
      await new Promise((resolve) => setTimeout(resolve, 5));
      const error = await start(agentConfig(token), { logger }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AgentRejectedError);
      expect(error).toMatchObject({ code: "SB_AGENT_REJECTED", reason });
      expect(watch.backends()).toEqual([]);
    },
  );

  it("exits 1 when its token is revoked while it runs", async () => {
    const watch = await runProvider();
    const created = await tokens.create({ now: Date.now() });
    const agent = await startAgent(agentConfig(created.secret));
    expect(watch.backend(agent.backendId)).toBeDefined();
    await tokens.revoke(created.record.id, Date.now());
    expect(await agent.exited).toBe(1);
    expect(watch.backend(agent.backendId)).toBeUndefined();
  });

  it("registers again with the same backend id after NATS restarts", async () => {
    const watch = await runProvider();
    const agent = await startAgent(agentConfig(await newSecret()));
    expect(watch.backend(agent.backendId)).toBeDefined();
    await server.restart();
    const restartedAt = Date.now();
    await waitUntil(
      () =>
        watch.history.some(
          ({ at, snapshot }) => at >= restartedAt && snapshot.backends.some((b) => b.id === agent.backendId),
        ),
      "the agent back in the table after the restart",
      10_000,
    );
    // and it stays: heartbeats flow again
    await new Promise((resolve) => setTimeout(resolve, 6 * HEARTBEAT_MS));
    expect(watch.backends().filter((b) => b.id === agent.backendId)).toHaveLength(1);
    expect(watch.backends()).toHaveLength(1);
  });

  it("reports state down while the local health check fails, and up again after", async () => {
    const watch = await runProvider();
    let healthy = false;
    const backend = await listen((req, res) => {
      res.statusCode = req.url === "/healthz" && healthy ? 200 : 503;
      res.end();
    });
    const agent = await startAgent(
      agentConfig(await newSecret(), { AGENT_BACKEND: backend.address, AGENT_HEALTH_PATH: "/healthz" }),
    );
    expect(watch.backend(agent.backendId)?.state).toBe("down");
    healthy = true;
    await waitUntil(() => watch.backend(agent.backendId)?.state === "up", "state up");
    healthy = false;
    await waitUntil(() => watch.backend(agent.backendId)?.state === "down", "state down");
  });
});

describe("heartbeat loss", () => {
  it("removes the backend after 3 missed intervals, and a live agent comes back", async () => {
    const clock = new ManualClock(Date.now());
    const watch = await runProvider(clock);
    const agentNc = await connectNats({ servers: server.url, name: "test-agent", logger });
    cleanups.push(() => agentNc.close());
    const agent = await startAgent(agentConfig(await newSecret()), { nc: agentNc });
    expect(watch.backend(agent.backendId)).toBeDefined();

    // Time jumps past 3 intervals with no heartbeat in between: the backend expires.
    clock.advance(3 * HEARTBEAT_MS);
    expect(watch.backend(agent.backendId)).toBeUndefined();
    // The agent still runs: its next heartbeat hears `not-registered` and it registers again.
    await waitUntil(() => watch.backend(agent.backendId) !== undefined, "re-registration");

    // An agent cut off from NATS stays gone.
    await agentNc.close();
    clock.advance(3 * HEARTBEAT_MS);
    expect(watch.backend(agent.backendId)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 3 * HEARTBEAT_MS));
    expect(watch.backends()).toEqual([]);
  });
});

describe("agent -- <command>", () => {
  /** A backend that records the signal it gets, then exits with 3 (SIGINT) or 4 (SIGTERM). */
  const BACKEND = `
    const http = require("node:http");
    const fs = require("node:fs");
    const [port, out, exitAfterMs] = process.argv.slice(1);
    const server = http.createServer((req, res) => res.end("ok")).listen(Number(port), "127.0.0.1");
    for (const signal of ["SIGINT", "SIGTERM"]) {
      process.on(signal, () => {
        fs.writeFileSync(out, JSON.stringify({ signal, at: Date.now() }));
        process.exit(signal === "SIGINT" ? 3 : 4);
      });
    }
    if (Number(exitAfterMs) > 0) setTimeout(() => process.exit(7), Number(exitAfterMs));
  `;

  async function childAgent(exitAfterMs = 0) {
    const port = (await findFreePorts(1))[0];
    const out = join(tmpdir(), `signalbox-agent-child-${process.pid}-${port}.json`);
    cleanups.push(() => rm(out, { force: true }));
    const config = agentConfig(await newSecret(), { AGENT_BACKEND: `127.0.0.1:${port}` });
    config.command = [process.execPath, "-e", BACKEND, String(port), out, String(exitAfterMs)];
    const agent = await startAgent(config);
    // The child installs its signal handlers before it listens.
    await waitUntil(
      () =>
        fetch(`http://127.0.0.1:${port}/`).then(
          (r) => r.ok,
          () => false,
        ),
      "the child backend answering",
    );
    return { agent, port, out };
  }

  it("runs the backend, and on stop drains, deregisters, then forwards the signal and exits with the child", async () => {
    const watch = await runProvider();
    const { agent, port, out } = await childAgent();
    expect(watch.backend(agent.backendId)?.address).toBe(`127.0.0.1:${port}`);

    await agent.stop("SIGINT");
    expect(await agent.exited).toBe(3);
    const received = JSON.parse(await readFile(out, "utf8")) as { signal: string; at: number };
    expect(received.signal).toBe("SIGINT");
    const lastWith = watch.history.findLastIndex(({ snapshot }) =>
      snapshot.backends.some((b) => b.id === agent.backendId),
    );
    const removedAt = watch.history[lastWith + 1]?.at;
    // the backend left the table (deregistered) before the child got its signal
    expect(removedAt).toBeDefined();
    expect(removedAt as number).toBeLessThanOrEqual(received.at);
  });

  it("forwards SIGTERM by default", async () => {
    await runProvider();
    const { agent, out } = await childAgent();
    await agent.stop();
    expect(await agent.exited).toBe(4);
    expect(JSON.parse(await readFile(out, "utf8"))).toMatchObject({ signal: "SIGTERM" });
  });

  it("deregisters and exits with the child's code when the child exits by itself", async () => {
    const watch = await runProvider();
    const { agent } = await childAgent(1000);
    expect(watch.backend(agent.backendId)).toBeDefined();
    expect(await agent.exited).toBe(7);
    expect(watch.backend(agent.backendId)).toBeUndefined();
  });
});
