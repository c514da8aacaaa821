// The built `signalbox` bin as a child process against a private NATS, a watcher started as
// `signalbox watcher` (a child too) and a router in-process with two real HTTP backends:
// add routes, shape them, see them in `query` and in the router's traffic; bad input exits 2
// and changes nothing; a restarted watcher still has everything. Needs `npx nx run-many -t build`.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { captureLogger, type NatsServer, startNatsServer } from "@signalbox/bus/testing";
import { loadConfig as loadRouterConfig, type RunningRouter, start as startRouter } from "@signalbox/router";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectBackplane } from "../src/index.js";

const BIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

let nats: NatsServer;
let dir: string;
let watcher: ChildProcess | undefined;
let agent: ChildProcess | undefined;
let stablePort = 0;
let router: RunningRouter | undefined;
const backends: Server[] = [];

function env(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    NATS_URL: nats.url,
    LOG_LEVEL: "warn",
    ROUTES_FILE: join(dir, "routes.yaml"),
    WATCHER_ADMIN_LISTEN: "127.0.0.1:0",
    WATCHER_LEASE_TTL_MS: "1000",
    WATCHER_DEBOUNCE_MS: "10",
  };
}

/** Runs `signalbox ...args` to completion (killed after 15 s, which fails the assertion on code). */
function signalbox(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: env(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function queryJson(): Promise<{
  version: number;
  endpoints: QueryEndpoint[];
  backends: { id: string }[];
}> {
  const result = await signalbox("query", "--json");
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
}

interface QueryEndpoint {
  pattern: string;
  routes: { id: string; selector: string; weight: number; strategy: string; backends: string[] }[];
}

/**
 * The state `query` shows, read in-process (quicker than a child), without the live
 * requests-per-second figures.
 */
async function state(): Promise<unknown> {
  const client = await connectBackplane({ servers: nats.url });
  try {
    const reply = await client.request("query", {});
    if (!reply.ok) throw new Error(reply.error.message);
    return { ...reply, backends: reply.backends.map(({ rps: _rps, ...backend }) => backend) };
  } finally {
    await client.close();
  }
}

async function startWatcher(): Promise<void> {
  const child = spawn(process.execPath, [BIN, "watcher"], {
    env: env(),
    stdio: ["ignore", "ignore", "inherit"],
  });
  watcher = child;
  // Ready once the control API answers with the routes file's backends in the table.
  for (let waitedMs = 0; ; waitedMs += 50) {
    const table = (await state().catch(() => undefined)) as { backends: unknown[] } | undefined;
    if (table?.backends.length === 2) return;
    if (waitedMs > 10_000 || child.exitCode !== null) throw new Error("the watcher did not become ready");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stopWatcher(): Promise<number | null> {
  const child = watcher;
  watcher = undefined;
  if (!child || child.exitCode !== null) return child?.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGTERM");
  return exited;
}

async function startBackend(name: string): Promise<number> {
  const server = createServer((_req, res) => res.end(name));
  backends.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

function get(host: string): Promise<string> {
  const address = router?.addresses[0];
  if (!address) throw new Error("no router");
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port: address.port, path: "/", headers: { host } },
      (res) => {
        let body = "";
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve(`${res.statusCode} ${body}`));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Tallies `count` answers for `host` once the router's table has reached `version`. */
async function tally(host: string, version: number, count: number): Promise<Record<string, number>> {
  for (let waitedMs = 0; (router?.tableVersion() ?? -1) < version; waitedMs += 20) {
    if (waitedMs > 5000) throw new Error(`router still at version ${router?.tableVersion()}, not ${version}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const counts: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const answer = await get(host);
    counts[answer] = (counts[answer] ?? 0) + 1;
  }
  return counts;
}

beforeAll(async () => {
  nats = await startNatsServer();
  dir = await mkdtemp(join(tmpdir(), "signalbox-cli-"));
  const stable = await startBackend("stable");
  stablePort = stable;
  const canary = await startBackend("canary");
  await writeFile(
    join(dir, "routes.yaml"),
    [
      "backends:",
      `  - { id: stable, service: web, address: "127.0.0.1:${stable}", labels: { app: web, track: stable } }`,
      `  - { id: canary, service: web, address: "127.0.0.1:${canary}", labels: { app: web, track: canary } }`,
      "endpoints:",
      "  - pattern: file.test",
      '    routes: [{ selector: "track=stable" }]',
    ].join("\n"),
  );
  router = await startRouter(
    loadRouterConfig({
      NATS_URL: nats.url,
      ROUTER_LISTEN: "127.0.0.1:0",
      ROUTER_ADMIN_LISTEN: "127.0.0.1:0",
      ROUTER_SLOW_START_MS: "0",
      DRAIN_DELAY_MS: "0",
      DRAIN_TIMEOUT_MS: "1000",
    }),
    { logger: captureLogger("warn").logger },
  );
  await startWatcher();
}, 60_000);

afterAll(async () => {
  if (agent?.exitCode === null) agent.kill("SIGKILL");
  await stopWatcher();
  await router?.stop();
  for (const server of backends) server.close();
  await nats?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("signalbox against a watcher and a router", () => {
  it("adds routes, shapes them, shows them in query, and the router serves the new weights", async () => {
    const added = await signalbox("route", "add", "API.test/", "track=stable", "--json");
    expect(added).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(added.stdout)).toEqual({ pattern: "api.test", routeId: "route000" });
    const canary = await signalbox("route", "add", "api.test", "track=canary", "--weight", "0");
    expect(canary).toMatchObject({ code: 0, stdout: "added route001 to api.test\n" });

    const shaped = await signalbox("shape", "api.test", "route000=90", "route001=10");
    expect(shaped).toMatchObject({ code: 0, stdout: "api.test: route000=90 route001=10\n" });

    const table = await queryJson();
    expect(table.endpoints.find((e) => e.pattern === "api.test")?.routes).toEqual([
      expect.objectContaining({ id: "route000", selector: "track=stable", weight: 90, backends: ["stable"] }),
      expect.objectContaining({ id: "route001", selector: "track=canary", weight: 10, backends: ["canary"] }),
    ]);
    // Smooth weighted round-robin: exactly 9:1 in every 10 requests.
    expect(await tally("api.test", table.version, 100)).toEqual({ "200 stable": 90, "200 canary": 10 });

    const readable = await signalbox("query", "api.test");
    expect(readable.stdout).toMatch(/api\.test\s+route000\s+90\s+round-robin\s+track=stable\s+stable\s+api/);
    expect(readable.stdout).not.toContain("file.test");
  });

  it.each([
    [["route", "add", "bad host!", "app=web"], /pattern "bad host!"/],
    [["route", "add", "api.test", "track in (", "--weight", "5"], /selector/],
    [["shape", "api.test", "route000=50", "route001=10001"], /weight "10001" is not a whole number 0..10000/],
    [
      ["shape", "api.test", "route000=50", "route009=50"],
      /nothing changed: endpoint "api.test" has no route route009/,
    ],
    [["shape", "nowhere.test", "route000=1"], /no endpoint "nowhere.test"/],
    [["route", "remove", "api.test", "route007"], /has no route route007/],
    [["route", "remove", "file.test", "route000"], /not defined through the API/],
    [["token", "revoke", "tok_000000000000"], /no token tok_000000000000/],
  ])("exits 2 on %j and leaves the state as it was", async (args, message) => {
    const before = await state();
    const result = await signalbox(...args);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
    expect(await state()).toEqual(before);
  });

  it("creates, lists and revokes tokens, printing the secret only at create", async () => {
    const created = await signalbox("token", "create", "--service", "web", "--ttl", "7d", "--json");
    expect(created.code).toBe(0);
    const { id, secret } = JSON.parse(created.stdout);
    expect(Object.keys(JSON.parse(created.stdout))).toEqual(["id", "secret"]);
    expect(secret.startsWith(`${id}.`)).toBe(true);

    const listed = await signalbox("token", "list", "--json");
    expect(listed.stdout).not.toContain(secret);
    expect(JSON.parse(listed.stdout).tokens).toEqual([
      expect.objectContaining({ id, service: "web", revoked: false }),
    ]);
    expect(await signalbox("token", "revoke", id)).toMatchObject({ code: 0, stdout: `revoked ${id}\n` });
    const after = await signalbox("token", "list");
    expect(after.stdout).toMatch(new RegExp(`${id}\\s+web\\s+\\S+\\s+\\S+\\s+\\d{4}-`));
  });

  it("runs `signalbox agent` with a token; revoking the token makes the agent exit 1", async () => {
    const created = await signalbox("token", "create", "--service", "web", "--json");
    const { id, secret } = JSON.parse(created.stdout);
    const child = spawn(process.execPath, [BIN, "agent"], {
      env: {
        ...env(),
        AGENT_BACKEND: `127.0.0.1:${stablePort}`,
        AGENT_SERVICE: "web",
        AGENT_LABELS: "app=web,track=agent",
        AGENT_TOKEN: secret,
        AGENT_HEARTBEAT_MS: "200",
      },
      stdio: ["ignore", "ignore", "ignore"],
    });
    agent = child;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    for (let waitedMs = 0; ; waitedMs += 100) {
      const table = (await state()) as { backends: { source: string; labels: Record<string, string> }[] };
      if (table.backends.some((b) => b.source === "agent" && b.labels.track === "agent")) break;
      if (waitedMs > 10_000) throw new Error("the agent's backend never showed in query");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await signalbox("token", "revoke", id)).toMatchObject({ code: 0 });
    expect(await exited).toBe(1);
  });

  it("exits 1 quickly, saying why, when NATS is unreachable", async () => {
    const started = Date.now();
    const result = await signalbox("--nats", "nats://127.0.0.1:1", "query");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot reach NATS at nats:\/\/127.0.0.1:1/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("keeps routes and weights across a watcher restart; without a watcher the CLI exits 1", async () => {
    const before = await queryJson();
    expect(await stopWatcher()).toBe(0);
    const alone = await signalbox("query");
    expect(alone.code).toBe(1);
    expect(alone.stderr).toMatch(/no watcher answers on signalbox.api.query/);

    await startWatcher();
    expect((await queryJson()).endpoints).toEqual(before.endpoints);
    // A change makes the new watcher rebuild from signalbox-config: ids and weights must hold.
    const added = await signalbox("route", "add", "api.test", "track=canary", "--weight", "0", "--json");
    expect(JSON.parse(added.stdout)).toEqual({ pattern: "api.test", routeId: "route002" });
    const after = await queryJson();
    expect(
      after.endpoints.find((e) => e.pattern === "api.test")?.routes.map((r) => [r.id, r.weight]),
    ).toEqual([
      ["route000", 90],
      ["route001", 10],
      ["route002", 0],
    ]);
    expect(await tally("api.test", after.version, 10)).toEqual({ "200 stable": 9, "200 canary": 1 });
  });
});
