// The whole path under load: a watcher (routes file: app.test -> tier=web), a router, and
// two agents each running its backend as a child process. Draining one agent while
// requests flow through the router ends with zero failed requests.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Agent, loadConfig as loadAgentConfig, start as startAgent } from "@signalbox/agent";
import { connectNats, openConfigBucket } from "@signalbox/bus";
import { findFreePorts, type NatsServer, startNatsServer, waitUntil } from "@signalbox/bus/testing";
import { loadConfig as loadRouterConfig, start as startRouter } from "@signalbox/router";
import { pino } from "pino";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig as loadWatcherConfig, start as startWatcher } from "../src/index.js";
import { createTokenStore } from "../src/tokens/token-store.js";

const logger = pino({ level: "silent" });
const cleanups: (() => Promise<unknown>)[] = [];
let nats: NatsServer;
let dir: string;

beforeAll(async () => {
  nats = await startNatsServer();
  dir = await mkdtemp(join(tmpdir(), "sb-agent-drain-"));
  cleanups.push(
    () => rm(dir, { recursive: true, force: true }),
    () => nats.stop(),
  );
});

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** A backend answering its name `delayMs` after the request's body, exiting at once on SIGTERM (in-flight requests die). */
const BACKEND = `
  const http = require("node:http");
  const [port, name, delayMs] = process.argv.slice(1);
  http
    .createServer((req, res) => {
      req.resume();
      req.on("end", () => setTimeout(() => res.end(name), Number(delayMs)));
    })
    .listen(Number(port), "127.0.0.1");
  process.on("SIGTERM", () => process.exit(0));
`;

describe("agent drain under load", () => {
  it("takes a backend out with zero failed requests", async () => {
    const routesFile = join(dir, "routes.yaml");
    await writeFile(
      routesFile,
      "endpoints:\n  - pattern: app.test\n    routes:\n      - selector: tier=web\n",
    );
    const watcher = await startWatcher(
      loadWatcherConfig({
        NATS_URL: nats.url,
        ROUTES_FILE: routesFile,
        WATCHER_ID: "w1",
        WATCHER_ADMIN_LISTEN: "127.0.0.1:0",
        WATCHER_DEBOUNCE_MS: "10",
        WATCHER_LEASE_TTL_MS: "600",
        LOG_LEVEL: "silent",
      }),
      { logger },
    );
    cleanups.push(() => watcher.stop());
    const router = await startRouter(
      loadRouterConfig({
        NATS_URL: nats.url,
        ROUTER_LISTEN: "127.0.0.1:0",
        ROUTER_ADMIN_LISTEN: "127.0.0.1:0",
        ROUTER_STATS_INTERVAL_MS: "100",
        ROUTER_SLOW_START_MS: "0",
        DRAIN_DELAY_MS: "0",
        DRAIN_TIMEOUT_MS: "1000",
        LOG_LEVEL: "silent",
      }),
      { logger },
    );
    cleanups.push(() => router.stop());
    const routerUrl = `http://127.0.0.1:${router.addresses[0]?.port}/`;

    const tokenNc = await connectNats({ servers: nats.url, name: "test-tokens", logger });
    cleanups.push(() => tokenNc.close());
    const { secret } = await createTokenStore({ configKv: await openConfigBucket(tokenNc) }).create({
      service: "web",
      now: Date.now(),
    });

    const agents: Record<string, Agent> = {};
    for (const name of ["a", "b"]) {
      const port = (await findFreePorts(1))[0];
      const config = loadAgentConfig({
        AGENT_BACKEND: `127.0.0.1:${port}`,
        AGENT_SERVICE: "web",
        AGENT_TOKEN: secret,
        AGENT_LABELS: `tier=web,name=${name}`,
        AGENT_HEARTBEAT_MS: "100",
        AGENT_HEALTH_PATH: "/",
        DRAIN_TIMEOUT_MS: "5000",
        NATS_URL: nats.url,
      });
      config.command = [process.execPath, "-e", BACKEND, String(port), name, "20"];
      const agent = await startAgent(config, { logger, childStdio: "ignore" });
      agents[name] = agent;
      cleanups.push(() => agent.stop());
    }

    const get = async () => {
      try {
        // POST with a body: the router never replays it, so a request cut by a backend that
        // stopped too early would show up as a failure here.
        const response = await request(routerUrl, {
          method: "POST",
          body: "ping",
          headers: { host: "app.test" },
        });
        return { status: response.statusCode, body: await response.body.text() };
      } catch (error) {
        return { status: 0, body: String(error) };
      }
    };
    // Both backends healthy and in the router's table.
    await waitUntil(
      async () => {
        const seen = new Set<string>();
        for (let i = 0; i < 6; i += 1) {
          const { status, body } = await get();
          if (status === 200) seen.add(body);
        }
        return seen.has("a") && seen.has("b");
      },
      "both backends serving through the router",
      10_000,
      20,
    );

    const results: { status: number; body: string; at: number }[] = [];
    let loading = true;
    const clients = Array.from({ length: 8 }, async () => {
      while (loading) results.push({ ...(await get()), at: Date.now() });
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const drainStartedAt = Date.now();
    await agents.a?.stop();
    const drainEndedAt = Date.now();
    expect(await agents.a?.exited).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    loading = false;
    await Promise.all(clients);

    const failed = results.filter((r) => r.status !== 200);
    expect(failed).toEqual([]);
    expect(results.filter((r) => r.at < drainStartedAt && r.body === "a").length).toBeGreaterThan(0);
    expect(results.filter((r) => r.at > drainEndedAt + 50).every((r) => r.body === "b")).toBe(true);
    expect(results.filter((r) => r.at > drainEndedAt).length).toBeGreaterThan(0);
  });
});
