// The control API against a private nats-server: route.add/remove, shape (all or nothing),
// query, tokens, and state that survives a restart of the API and its provider.
import { systemClock } from "@signalbox/backoff";
import {
  type ApiOp,
  type ApiReply,
  type ApiRequest,
  connectNats,
  createApiCodecs,
  openConfigBucket,
  subjects,
} from "@signalbox/bus";
import { captureLogger, type NatsServer, startNatsServer } from "@signalbox/bus/testing";
import type { Backend, Endpoint, RouteTable } from "@signalbox/route-model";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ControlApi, startControlApi } from "../src/api/control-api.js";
import type { TableSource } from "../src/api/op-context.js";
import type { KV, NatsConnection } from "../src/bus-types.js";
import { createApiProvider } from "../src/providers/api/api-provider.js";
import type { ProviderSnapshot } from "../src/providers/provider.js";
import { createTokenStore } from "../src/tokens/token-store.js";

const backend = (id: string, labels: Record<string, string>): Backend => ({
  id,
  service: "web",
  address: "127.0.0.1:9",
  labels,
  state: "up",
  source: "file",
  connectedAt: 1,
});

/** What another provider (a routes file) contributes: one endpoint with route000. */
const FILE_ENDPOINT: Endpoint = {
  pattern: "shop.test",
  filters: [],
  routes: [{ id: "route000", selector: "app=shop", weight: 100, strategy: "round-robin" }],
};
const BACKENDS = [
  backend("b1", { app: "web", track: "stable" }),
  backend("b2", { app: "web", track: "canary" }),
];

/**
 * Stand-in for the table builder: file endpoints + the API provider's endpoints (routes keep
 * their own ids) with its weight overrides applied, a new version per snapshot.
 */
function startStandInBuilder(configKv: KV): TableSource & { stop(): void } {
  let table: RouteTable | undefined;
  const listeners = new Set<(t: RouteTable) => void>();
  const abort = new AbortController();
  const merge = (snapshot: ProviderSnapshot): RouteTable => {
    const endpoints = new Map<string, Endpoint>([[FILE_ENDPOINT.pattern, structuredClone(FILE_ENDPOINT)]]);
    for (const { routes, ...endpoint } of snapshot.endpoints) {
      const into = endpoints.get(endpoint.pattern) ?? { ...endpoint, routes: [] };
      for (const { key: _key, id, ...route } of routes) into.routes.push({ id: id ?? "route999", ...route });
      endpoints.set(endpoint.pattern, into);
    }
    for (const [pattern, weights] of Object.entries(snapshot.weightOverrides ?? {})) {
      for (const route of endpoints.get(pattern)?.routes ?? [])
        route.weight = weights[route.id] ?? route.weight;
    }
    return {
      version: (table?.version ?? 0) + 1,
      generatedAt: Date.now(),
      endpoints: [...endpoints.values()],
      backends: BACKENDS,
    };
  };
  void createApiProvider({ configKv, logger: captureLogger().logger }).run((snapshot) => {
    table = merge(snapshot);
    for (const listener of listeners) listener(table);
  }, abort.signal);
  return {
    current: () => table,
    onTable(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: () => abort.abort(),
  };
}

let server: NatsServer;
let nc: NatsConnection;
let configKv: KV;
let api: ControlApi;
let builder: ReturnType<typeof startStandInBuilder>;

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

async function startApi(): Promise<void> {
  builder = startStandInBuilder(configKv);
  api = await startControlApi({ nc, configKv, builder, clock: systemClock, logger: captureLogger().logger });
  // The first table comes once the provider has read what signalbox-config holds.
  for (let waitedMs = 0; builder.current() === undefined; waitedMs += 10) {
    if (waitedMs > 5000) throw new Error("no table within 5 s");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function stopApi(): Promise<void> {
  await api.stop();
  builder.stop();
}

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connectNats({ servers: server.url, name: "control-api-test", logger: captureLogger().logger });
  configKv = await openConfigBucket(nc);
});

afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

beforeEach(async () => {
  for (const key of await keys()) await configKv.purge(key);
  await startApi();
});

afterEach(stopApi);

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

  it("skips the ids another source's routes hold on the same endpoint", async () => {
    expect(await request("route.add", { pattern: "shop.test", selector: "app=web" })).toMatchObject({
      routeId: "route001",
    });
    const reply = await request("query", {});
    const routes = reply.ok ? reply.endpoints.find((e) => e.pattern === "shop.test")?.routes : [];
    expect(routes?.map((r) => [r.id, r.apiDefined])).toEqual([
      ["route000", false],
      ["route001", true],
    ]);
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
    expect(await keys()).toEqual([]);
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
      ["shop.test", [0]],
      ["api.test", [90, 10]],
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
    ["token.create", { ttl: "soon" }, /ttl "soon" is not a duration/],
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

  it("keeps routes, weights and tokens across a restart of the API and its provider", async () => {
    await request("route.add", { pattern: "api.test", selector: "track=stable" });
    await request("route.add", { pattern: "api.test", selector: "track=canary" });
    await request("shape", { pattern: "api.test", weights: [{ routeId: "route001", weight: 3 }] });
    await request("token.create", {});
    const before = await request("query", {});
    const tokensBefore = await request("token.list", {});

    await stopApi();
    await startApi();
    const after = await request("query", {});
    expect(after.ok && after.endpoints).toEqual(before.ok && before.endpoints);
    expect(await request("token.list", {})).toEqual(tokensBefore);
  });
});
