// Routing under change: atomic table swaps during load, weights, sticky canaries, readiness,
// /routes, /explain, health verdicts and stats.router.<id>.

import { codecs, connectNats, subjects } from "@signalbox/bus";
import { captureLogger, waitUntil } from "@signalbox/bus/testing";
import { Agent, request } from "undici";
import { beforeAll, describe, expect, it } from "vitest";
import { backendOf, endpoint, get, type TestBackend } from "./harness.js";
import { useRouterSuite } from "./router-suite.js";

const suite = useRouterSuite();
const backends: TestBackend[] = [];

beforeAll(async () => {
  for (const id of ["a1", "a2", "b1", "b2"]) backends.push(await suite.backend(id));
});

describe("router routing", () => {
  it("is ready with version 0 from an empty bucket and answers 404 for unknown hosts", async () => {
    await waitUntil(() => suite.router.tableVersion() >= 0, "first table", 5000);
    const ready = await request(`${suite.router.admin}/readyz`);
    expect(ready.statusCode).toBe(200);
    await ready.body.text();
    const health = await request(`${suite.router.admin}/healthz`);
    expect(health.statusCode).toBe(200);
    expect(await health.body.json()).toEqual({ status: "ok", tableVersion: suite.router.tableVersion() });
    const answer = await get(suite.router.url, "nowhere.test");
    expect(answer.status).toBe(404);
    expect(answer.headers["x-signalbox-error"]).toBe("no-endpoint");
  });

  it("routes 10,000 requests while the table changes 100 times: no failure, never a mix of tables", async () => {
    const all = backends.map((b) => backendOf(b, { pool: b.id.startsWith("a") ? "a" : "b" }));
    const tableFor = (version: number) => [
      endpoint("swap.test", [{ selector: `pool=${version % 2 === 0 ? "a" : "b"}` }], {
        filters: [{ type: "request-headers", set: { "x-table-version": String(version) } }],
      }),
    ];
    // The harness numbers versions 1, 2, ...: publish the next one's table.
    let version = await suite.publish(tableFor(suite.router.tableVersion() + 1), all);
    const agent = new Agent({ connections: 32 });
    const results: {
      startVersion: number;
      endVersion: number;
      status: number;
      seen: number;
      pool: string;
    }[] = [];
    let sent = 0;
    const worker = async () => {
      while (sent < 10_000) {
        sent += 1;
        const startVersion = suite.router.tableVersion();
        const res = await request(`${suite.router.url}/x`, {
          dispatcher: agent,
          headers: { host: "swap.test" },
        });
        const body = (await res.body.json()) as { backend: string; headers: Record<string, string> };
        results.push({
          startVersion,
          endVersion: suite.router.tableVersion(),
          status: res.statusCode,
          seen: Number(body.headers["x-table-version"]),
          pool: body.backend.slice(0, 1),
        });
      }
    };
    const writer = (async () => {
      for (let i = 0; i < 100; i++) {
        version = await suite.harness.publish(tableFor(version + 1), all);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await Promise.all([writer, ...Array.from({ length: 32 }, worker)]);
    await agent.close();
    await waitUntil(() => suite.router.tableVersion() === version, "last table", 5000);
    expect(results.length).toBe(10_000);
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    // Each request was routed by one table: its filter and its backends agree ...
    expect(results.filter((r) => (r.seen % 2 === 0) !== (r.pool === "a"))).toEqual([]);
    // ... and that table was current at some moment between the request's start and its end.
    expect(results.filter((r) => r.seen < r.startVersion || r.seen > r.endVersion)).toEqual([]);
    expect(new Set(results.map((r) => r.seen)).size).toBeGreaterThan(20);
  }, 60_000);

  it("splits 90/10 by route weight within 2%", async () => {
    const [a1, , b1] = backends as [TestBackend, TestBackend, TestBackend];
    await suite.publish(
      [
        endpoint("weights.test", [
          { selector: "pool=a", weight: 90 },
          { selector: "pool=b", weight: 10 },
        ]),
      ],
      [backendOf(a1, { pool: "a" }), backendOf(b1, { pool: "b" })],
    );
    const counts = { a1: 0, b1: 0 } as Record<string, number>;
    for (let i = 0; i < 1000; i++) {
      const { body } = await get(suite.router.url, "weights.test");
      const id = (JSON.parse(body) as { backend: string }).backend;
      counts[id] = (counts[id] ?? 0) + 1;
    }
    expect(Math.abs((counts.a1 ?? 0) / 1000 - 0.9)).toBeLessThanOrEqual(0.02);
    expect(Math.abs((counts.b1 ?? 0) / 1000 - 0.1)).toBeLessThanOrEqual(0.02);
  });

  it("keeps a client on the canary route it got while that route's weight is > 0", async () => {
    const [a1, , b1] = backends as [TestBackend, TestBackend, TestBackend];
    const table = (canaryWeight: number) => [
      endpoint(
        "sticky.test",
        [
          { selector: "pool=a", weight: 90 },
          { selector: "pool=b", weight: canaryWeight },
        ],
        {
          sticky: true,
        },
      ),
    ];
    const members = [backendOf(a1, { pool: "a" }), backendOf(b1, { pool: "b" })];
    await suite.publish(table(10), members);
    let cookie: string | undefined;
    for (let i = 0; i < 20 && cookie === undefined; i++) {
      const answer = await get(suite.router.url, "sticky.test");
      const setCookie = String(answer.headers["set-cookie"] ?? "");
      if ((JSON.parse(answer.body) as { backend: string }).backend === "b1") cookie = setCookie.split(";")[0];
    }
    expect(cookie).toMatch(/^sb_route_[0-9a-z]+=route001$/);
    for (let i = 0; i < 20; i++) {
      const answer = await get(suite.router.url, "sticky.test", { headers: { cookie: cookie as string } });
      expect((JSON.parse(answer.body) as { backend: string }).backend).toBe("b1");
      expect(answer.headers["set-cookie"]).toBeUndefined();
    }
    await suite.publish(table(0), members);
    const moved = await get(suite.router.url, "sticky.test", { headers: { cookie: cookie as string } });
    expect((JSON.parse(moved.body) as { backend: string }).backend).toBe("a1");
    expect(String(moved.headers["set-cookie"])).toContain("=route000");
  });

  it("leaves out backends whose health verdict is not SERVING, and answers 503 when none is left", async () => {
    const [a1, a2] = backends as [TestBackend, TestBackend];
    await suite.publish([endpoint("health.test", [{ selector: "" }])], [backendOf(a1), backendOf(a2)]);
    suite.harness.publishHealth("/web", { a1: "NOT_SERVING", a2: "SERVING" });
    await waitUntil(
      async () =>
        (await get(suite.router.url, "health.test")).body.includes('"a2"') &&
        (await get(suite.router.url, "health.test")).body.includes('"a2"'),
    );
    for (let i = 0; i < 10; i++)
      expect(JSON.parse((await get(suite.router.url, "health.test")).body).backend).toBe("a2");
    suite.harness.publishHealth("/web", { a1: "NOT_SERVING", a2: "NOT_SERVING" });
    await waitUntil(async () => (await get(suite.router.url, "health.test")).status === 503);
    const answer = await get(suite.router.url, "health.test");
    expect(answer.headers["x-signalbox-error"]).toBe("no-healthy-backend");
    suite.harness.publishHealth("/web", { a1: "SERVING", a2: "SERVING" });
    await waitUntil(async () => (await get(suite.router.url, "health.test")).status === 200);
  });

  it("ramps a new backend up over the slow-start window instead of giving it its share at once", async () => {
    const slow = await suite.harness.startRouter({ ROUTER_SLOW_START_MS: "60000", ROUTER_ID: "slow-start" });
    const [a1, a2] = backends as [TestBackend, TestBackend];
    let version = await suite.harness.publish([endpoint("ramp.test", [{ selector: "" }])], [backendOf(a1)]);
    await waitUntil(() => slow.tableVersion() === version);
    version = await suite.harness.publish(
      [endpoint("ramp.test", [{ selector: "" }])],
      [backendOf(a1), backendOf(a2)],
    );
    await waitUntil(() => slow.tableVersion() === version);
    let toNew = 0;
    for (let i = 0; i < 200; i++) {
      if ((JSON.parse((await get(slow.url, "ramp.test")).body) as { backend: string }).backend === "a2")
        toNew += 1;
    }
    // Weight 1 against a ramp factor of ~0.1: about 9% instead of 50%.
    expect(toNew).toBeGreaterThan(5);
    expect(toNew).toBeLessThan(40);
    await slow.stop();
  });

  it("describes the table on /routes and a URL on /explain", async () => {
    const [a1] = backends as [TestBackend];
    const version = await suite.publish(
      [endpoint("*.explain.test", [{ selector: "" }]), endpoint("api.explain.test/v1", [{ selector: "" }])],
      [backendOf(a1)],
    );
    const routes = (await (await request(`${suite.router.admin}/routes`)).body.json()) as {
      version: number;
      endpoints: { pattern: string; routes: { backends: { id: string; available: boolean }[] }[] }[];
    };
    expect(routes.version).toBe(version);
    expect(routes.endpoints.map((e) => e.pattern).sort()).toEqual(["*.explain.test", "api.explain.test/v1"]);
    expect(routes.endpoints[0]?.routes[0]?.backends).toEqual([
      expect.objectContaining({ id: "a1", available: true }),
    ]);
    const explained = (await (
      await request(
        `${suite.router.admin}/explain?url=${encodeURIComponent("http://api.explain.test/v1/users")}`,
      )
    ).body.json()) as { endpoint: string; shadows: string[]; routes: { backends: { id: string }[] }[] };
    expect(explained.endpoint).toBe("api.explain.test/v1");
    expect(explained.shadows).toEqual(["*.explain.test"]);
    expect(explained.routes[0]?.backends[0]?.id).toBe("a1");
    const metrics = await (await request(`${suite.router.admin}/metrics`)).body.text();
    expect(metrics).toContain(`signalbox_router_table_version ${version}`);
    expect(metrics).toMatch(/signalbox_router_backend_requests_total\{backend="a1"\} \d+/);
  });

  it("publishes per-backend request counts on stats.router.<routerId> every interval", async () => {
    const [a1] = backends as [TestBackend];
    await suite.publish([endpoint("stats.test", [{ selector: "" }])], [backendOf(a1)]);
    const logs = captureLogger("silent");
    const nc = await connectNats({
      servers: suite.harness.nats.url,
      name: "stats-reader",
      logger: logs.logger,
    });
    try {
      let seen: number[] = [];
      const sub = nc.subscribe(subjects.routerStats("test-router"), {
        callback: (_err, msg) => {
          const decoded = codecs.routerStats.decode(msg.data);
          if (decoded.ok) seen.push(decoded.value.backends.a1?.requests ?? 0);
        },
      });
      await nc.flush();
      // One message first, so counts from earlier tests are out of the way.
      await waitUntil(() => seen.length > 0, "a first stats message", 5000);
      seen = [];
      for (let i = 0; i < 7; i++) await get(suite.router.url, "stats.test");
      await waitUntil(() => seen.reduce((n, c) => n + c, 0) >= 7, "stats messages", 5000);
      sub.unsubscribe();
      expect(seen.reduce((n, c) => n + c, 0)).toBe(7);
    } finally {
      await nc.close();
    }
  });
});
