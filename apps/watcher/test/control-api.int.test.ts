// The control API of a real watcher (start() with a routes file) against a private
// nats-server: route.add/remove, shape (all or nothing), query, tokens, and state that
// survives a restart of the watcher.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ApiOp,
  type ApiReply,
  type ApiRequest,
  codecs as busCodecs,
  connectNats,
  createApiCodecs,
  openConfigBucket,
  subjects,
} from "@signalbox/bus";
import { captureLogger, type NatsServer, startNatsServer, waitUntil } from "@signalbox/bus/testing";
import type { RouteTable } from "@signalbox/route-model";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { KV, NatsConnection } from "../src/bus-types.js";
import { loadConfig, start, type Watcher } from "../src/index.js";
import { createTokenStore } from "../src/tokens/token-store.js";

/** Another source's endpoint (shop.test, route000) and the two backends every route selects from. */
const ROUTES_FILE = `
endpoints:
  - pattern: shop.test
    routes: [{ selector: "app=shop" }]
    filters: [{ type: strip-prefix, prefix: /shop }]
backends:
  - { id: b1, service: web, address: "127.0.0.1:9", labels: { app: web, track: stable } }
  - { id: b2, service: web, address: "127.0.0.1:9", labels: { app: web, track: canary } }
`;

let server: NatsServer;
let nc: NatsConnection;
let configKv: KV;
let dir: string;
let watcher: Watcher;
const builder = {
  current: () => watcher.builder.current(),
};

async function request<O extends ApiOp>(op: O, body: ApiRequest<O>): Promise<ApiReply<O>> {
  const codecs = createApiCodecs(op);
  const msg = await nc.request(subjects.api(op), codecs.request.encode(body), { timeout: 5000 });
  const decoded = codecs.reply.decode(msg.data);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.value;
}

async function keys(): Promise<string[]> {
  const found: string[] = [];
  for await (const key of await configKv.keys()) found.push(key);
  return found;
}

/** The table of the routes file alone: what every test starts from. */
const fileOnly = (table: RouteTable) =>
  table.backends.length === 2 && table.endpoints.map((e) => e.pattern).join() === "shop.test";

/**
 * Starts a watcher and waits until its table satisfies `ready` (a new watcher first resumes
 * the table in KV, which may still hold the previous test's API routes, then rebuilds).
 */
async function startWatcher(ready: (table: RouteTable) => boolean = fileOnly): Promise<void> {
  const env = {
    ROUTES_FILE: join(dir, "routes.yaml"),
    WATCHER_ADMIN_LISTEN: "127.0.0.1:0",
    WATCHER_DEBOUNCE_MS: "5",
  };
  watcher = await start(loadConfig(env), { nc, logger: captureLogger("warn").logger });
  await waitForTable(ready);
}

async function waitForTable(ready: (table: RouteTable) => boolean): Promise<void> {
  for (let waitedMs = 0; ; waitedMs += 10) {
    const table = builder.current();
    if (table && ready(table)) return;
    if (waitedMs > 5000) throw new Error(`table not ready within 5 s: version ${table?.version}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function stopWatcher(): Promise<void> {
  await watcher.stop();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "control-api-"));
  await writeFile(join(dir, "routes.yaml"), ROUTES_FILE);
  server = await startNatsServer();
  nc = await connectNats({ servers: server.url, name: "control-api-test", logger: captureLogger().logger });
  configKv = await openConfigBucket(nc);
});

afterAll(async () => {
  await nc?.close();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  // What the API wrote; the leader lease stays.
  for (const key of await keys()) if (/^(api|token)\./.test(key)) await configKv.purge(key);
  await startWatcher();
});

afterEach(stopWatcher);

describe("route.add and query", () => {
  it("allocates route ids per endpoint and shows the routes with their matched backends", async () => {
    expect(await request("route.add", { pattern: "API.test/", selector: "track=stable" })).toEqual({
      ok: true,
      pattern: "api.test",
      routeId: "route000",
    });
    const second = await request("route.add", {
      pattern: "api.test",
      selector: "track=canary",
      weight: 10,
      strategy: "p2c",
      filters: [{ type: "strip-prefix", prefix: "/v1" }],
    });
    expect(second).toMatchObject({ ok: true, routeId: "route001" });

    const reply = await request("query", {});
    if (!reply.ok) throw new Error(reply.error.message);
    const endpoint = reply.endpoints.find((e) => e.pattern === "api.test");
    expect(endpoint?.filters).toEqual([{ type: "strip-prefix", prefix: "/v1" }]);
    expect(endpoint?.routes).toEqual([
      {
        id: "route000",
        selector: "track=stable",
        weight: 100,
        strategy: "round-robin",
        apiDefined: true,
        backends: ["b1"],
      },
      {
        id: "route001",
        selector: "track=canary",
        weight: 10,
        strategy: "p2c",
        apiDefined: true,
        backends: ["b2"],
      },
    ]);
    expect(reply.backends.map((b) => [b.id, b.health])).toEqual([
      ["b1", "UNKNOWN"],
      ["b2", "UNKNOWN"],
    ]);
  });

  it("refuses a filter that would fail every request, naming the field, and changes nothing", async () => {
    const reply = await request("route.add", {
      pattern: "hop.test",
      selector: "track=stable",
      filters: [{ type: "request-headers", set: { "Transfer-Encoding": "chunked" } }],
    });
    expect(reply).toMatchObject({
      ok: false,
      error: {
        code: "invalid",
        message: expect.stringMatching(/^filters\[0\]: set "Transfer-Encoding" is a hop-by-hop/),
      },
    });
    const query = await request("query", {});
    expect(query.ok && query.endpoints.map((e) => e.pattern)).not.toContain("hop.test");
  });

  it("shows a health verdict only when it came on its own service's subject", async () => {
    const verdict = (service: string, status: "SERVING" | "NOT_SERVING") =>
      busCodecs.health.encode({ service, status, backends: { b1: status }, at: Date.now() });
    // A body claiming service web, sent on health.x, is not web's verdict.
    nc.publish(subjects.health("x"), verdict("web", "NOT_SERVING"));
    nc.publish(subjects.health("web"), verdict("web", "SERVING"));
    await nc.flush();
    const healthOf = async () => {
      const reply = await request("query", {});
      return reply.ok ? reply.backends.find((b) => b.id === "b1")?.health : undefined;
    };
    await waitUntil(async () => (await healthOf()) === "SERVING", "web's verdict");
    nc.publish(subjects.health("x"), verdict("web", "NOT_SERVING"));
    await nc.flush();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await healthOf()).toBe("SERVING");
  });

  it("narrows query to one endpoint and the backends its routes match", async () => {
    await request("route.add", { pattern: "api.test", selector: "track=canary" });
    const reply = await request("query", { pattern: "API.test/" });
    expect(reply.ok && reply.endpoints.map((e) => e.pattern)).toEqual(["api.test"]);
    expect(reply.ok && reply.backends.map((b) => b.id)).toEqual(["b2"]);
    expect(await request("query", { pattern: "nowhere.test" })).toMatchObject({
      ok: false,
      error: { code: "invalid", message: expect.stringMatching(/no endpoint "nowhere.test"/) },
    });
  });

  it("skips the ids another source's routes hold on the same endpoint, and keeps its filters", async () => {
    expect(await request("route.add", { pattern: "shop.test", selector: "app=web" })).toMatchObject({
      routeId: "route001",
    });
    const reply = await request("query", {});
    const endpoint = reply.ok ? reply.endpoints.find((e) => e.pattern === "shop.test") : undefined;
    expect(endpoint?.routes.map((r) => [r.id, r.apiDefined])).toEqual([
      ["route000", false],
      ["route001", true],
    ]);
    // The API gave no filters, so the routes file's stay.
    expect(endpoint?.filters).toEqual([{ type: "strip-prefix", prefix: "/shop" }]);
  });

  it.each([
    [{ pattern: "bad host!", selector: "" }, /pattern/],
    [{ pattern: "a.test", selector: "app in (" }, /selector/],
    [{ pattern: "a.test", selector: "", strategy: "fastest" }, /strategy/],
    [{ pattern: "a.test", selector: "", filters: [{ type: "teleport" }] }, /filters\[0\]/],
  ])("refuses %j as invalid and stores nothing", async (body, message) => {
    const reply = await request("route.add", body);
    expect(reply).toMatchObject({
      ok: false,
      error: { code: "invalid", message: expect.stringMatching(message) },
    });
    expect((await keys()).filter((key) => key.startsWith("api."))).toEqual([]);
  });
});

describe("shape", () => {
  beforeEach(async () => {
    await request("route.add", { pattern: "api.test", selector: "track=stable" });
    await request("route.add", { pattern: "api.test", selector: "track=canary" });
  });

  it("sets several weights at once, on API routes and on other sources' routes", async () => {
    expect(
      await request("shape", {
        pattern: "api.test",
        weights: [
          { routeId: "route000", weight: 90 },
          { routeId: "route001", weight: 10 },
        ],
      }),
    ).toEqual({ ok: true, pattern: "api.test", weights: { route000: 90, route001: 10 } });
    expect(
      await request("shape", { pattern: "shop.test", weights: [{ routeId: "route000", weight: 0 }] }),
    ).toMatchObject({
      ok: true,
    });
    const weights = builder.current()?.endpoints.map((e) => [e.pattern, e.routes.map((r) => r.weight)]);
    expect(weights).toEqual([
      ["api.test", [90, 10]],
      ["shop.test", [0]],
    ]);
  });

  it.each([
    [
      [
        { routeId: "route000", weight: 50 },
        { routeId: "route007", weight: 50 },
      ],
      /no route route007 \(it has route000, route001\)/,
    ],
    [[{ routeId: "route000", weight: -5 }], /weight -5 is not a whole number 0..10000/],
    [[{ routeId: "route000", weight: 10_001 }], /weight 10001/],
    [[{ routeId: "route000", weight: 2.5 }], /weight 2.5/],
    [
      [
        { routeId: "route000", weight: 1 },
        { routeId: "route000", weight: 2 },
      ],
      /route000 is given twice/,
    ],
  ])("changes nothing when any part is invalid (%j)", async (weights, message) => {
    const before = await request("query", {});
    const reply = await request("shape", { pattern: "api.test", weights });
    expect(reply).toMatchObject({
      ok: false,
      error: { code: "invalid", message: expect.stringMatching(message) },
    });
    expect(await request("query", {})).toEqual(before);
  });

  it("refuses an unknown endpoint", async () => {
    const reply = await request("shape", {
      pattern: "nowhere.test",
      weights: [{ routeId: "route000", weight: 1 }],
    });
    expect(reply).toMatchObject({
      ok: false,
      error: { code: "invalid", message: expect.stringMatching(/no endpoint "nowhere.test"/) },
    });
  });
});

describe("route.remove", () => {
  it("removes an API route and its weight override; a later add reuses the id at its own weight", async () => {
    await request("route.add", { pattern: "api.test", selector: "track=stable" });
    await request("route.add", { pattern: "api.test", selector: "track=canary", weight: 5 });
    await request("shape", { pattern: "api.test", weights: [{ routeId: "route001", weight: 50 }] });
    expect(await request("route.remove", { pattern: "api.test", routeId: "route001" })).toEqual({
      ok: true,
      pattern: "api.test",
      routeId: "route001",
    });
    expect(
      builder
        .current()
        ?.endpoints.find((e) => e.pattern === "api.test")
        ?.routes.map((r) => r.id),
    ).toEqual(["route000"]);
    await request("route.add", { pattern: "api.test", selector: "track=canary", weight: 7 });
    const routes = builder.current()?.endpoints.find((e) => e.pattern === "api.test")?.routes;
    expect(routes?.map((r) => [r.id, r.weight])).toEqual([
      ["route000", 100],
      ["route001", 7],
    ]);
  });

  it("refuses to remove another source's route and says how to stop its traffic", async () => {
    const reply = await request("route.remove", { pattern: "shop.test", routeId: "route000" });
    expect(reply).toMatchObject({ ok: false, error: { code: "invalid" } });
    expect(reply.ok ? "" : reply.error.message).toMatch(
      /not defined through the API.*signalbox shape shop.test route000=0/,
    );
  });

  it.each([
    [{ pattern: "nowhere.test", routeId: "route000" }, /no endpoint "nowhere.test"/],
    [{ pattern: "shop.test", routeId: "route005" }, /has no route route005 \(it has route000\)/],
    [{ pattern: "shop.test", routeId: "r5" }, /route id "r5" is not like route000/],
  ])("refuses %j", async (body, message) => {
    expect(await request("route.remove", body)).toMatchObject({
      ok: false,
      error: { code: "invalid", message: expect.stringMatching(message) },
    });
  });
});

describe("tokens", () => {
  it("creates a token whose secret only the reply carries, lists it and revokes it", async () => {
    const created = await request("token.create", { service: "/shop/web", ttl: "24h" });
    if (!created.ok) throw new Error(created.error.message);
    expect(created.expiresAt).toBe(created.createdAt + 86_400_000);
    const stored = await configKv.get(`token.${created.id}`);
    expect(stored?.string()).not.toContain(created.secret.split(".")[1]);

    const tokens = createTokenStore({ configKv });
    const now = Date.now();
    expect(await tokens.verify(created.secret, "/shop/web", now)).toEqual({ ok: true, tokenId: created.id });
    expect(await tokens.verify(created.secret, "/shop/api", now)).toMatchObject({
      ok: false,
      reason: "wrong-service",
    });
    expect(await tokens.verify(`${created.secret}x`, "/shop/web", now)).toMatchObject({
      ok: false,
      reason: "unknown",
    });
    expect(await tokens.check(created.id, "/shop/web", now + 86_400_001)).toMatchObject({
      ok: false,
      reason: "expired",
    });

    const listed = await request("token.list", {});
    expect(listed).toEqual({
      ok: true,
      tokens: [
        {
          id: created.id,
          service: "/shop/web",
          createdAt: created.createdAt,
          expiresAt: created.expiresAt,
          revoked: false,
        },
      ],
    });
    expect(JSON.stringify(listed)).not.toContain("sha256");

    expect(await request("token.revoke", { id: created.id })).toEqual({ ok: true, id: created.id });
    expect(await tokens.check(created.id, "/shop/web", Date.now())).toMatchObject({
      ok: false,
      reason: "revoked",
    });
    const after = await request("token.list", {});
    expect(after.ok && after.tokens[0]?.revoked).toBe(true);
  });

  it.each([
    ["token.create", { service: "web", ttl: "soon" }, /ttl "soon" is not a duration/],
    ["token.create", {}, /a token is for one service: give service, or anyService: true/],
    ["token.create", { service: "web", anyService: true }, /service and anyService exclude each other/],
    ["token.revoke", { id: "nope" }, /"nope" is not a token id/],
    ["token.revoke", { id: "tok_000000000000" }, /no token tok_000000000000/],
  ] as const)("%s %j is invalid", async (op, body, message) => {
    expect(await request(op, body as never)).toMatchObject({
      ok: false,
      error: { code: "invalid", message: expect.stringMatching(message) },
    });
  });
});

describe("robustness and persistence", () => {
  it("answers a malformed request with invalid, naming the op and the field", async () => {
    const msg = await nc.request(subjects.api("route.add"), new TextEncoder().encode('{"pattern":5}'), {
      timeout: 5000,
    });
    const reply = createApiCodecs("route.add").reply.decode(msg.data);
    expect(reply).toMatchObject({ ok: true, value: { ok: false, error: { code: "invalid" } } });
    expect(reply.ok && !reply.value.ok && reply.value.error.message).toMatch(/route.add request: .*pattern/);
  });

  it("answers a query too big for one NATS message with failed and a hint; one endpoint still fits", async () => {
    const note = "x".repeat(400);
    const big = Array.from(
      { length: 3000 },
      (_, i) => `  - { id: big${i}, service: big, address: "127.0.0.1:9", labels: { note: ${note} } }`,
    );
    await writeFile(join(dir, "routes.yaml"), `${ROUTES_FILE}${big.join("\n")}\n`);
    try {
      await waitForTable((table) => table.backends.length === 3002);
      expect(await request("query", {})).toMatchObject({
        ok: false,
        error: {
          code: "failed",
          message: expect.stringMatching(/over the NATS max_payload.*signalbox query <pattern>/),
        },
      });
      const one = await request("query", { pattern: "shop.test" });
      expect(one.ok && [one.endpoints.length, one.backends.length]).toEqual([1, 0]);
    } finally {
      await writeFile(join(dir, "routes.yaml"), ROUTES_FILE);
      await waitForTable(fileOnly);
    }
  });

  it("keeps routes, weights and tokens across a restart of the watcher", async () => {
    await request("route.add", { pattern: "api.test", selector: "track=stable" });
    await request("route.add", { pattern: "api.test", selector: "track=canary" });
    await request("shape", { pattern: "api.test", weights: [{ routeId: "route001", weight: 3 }] });
    await request("token.create", { anyService: true });
    const before = await request("query", {});
    const tokensBefore = await request("token.list", {});

    await stopWatcher();
    await startWatcher((table) => table.endpoints.length === 2);
    const after = await request("query", {});
    expect(after.ok && after.endpoints).toEqual(before.ok && before.endpoints);
    expect(await request("token.list", {})).toEqual(tokensBefore);
    // The table above may be the one resumed from KV; a rebuild from signalbox-config must agree.
    expect(await request("route.add", { pattern: "api.test", selector: "" })).toMatchObject({
      routeId: "route002",
    });
    const rebuilt = builder.current()?.endpoints.find((e) => e.pattern === "api.test")?.routes;
    expect(rebuilt?.map((r) => [r.id, r.selector, r.weight])).toEqual([
      ["route000", "track=stable", 100],
      ["route001", "track=canary", 3],
      ["route002", "", 100],
    ]);
  });
});
