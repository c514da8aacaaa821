// What a stranger on the bus must not achieve against routers: a foreign key in
// signalbox-routes (`backend.x = "{"`) freezes no router and keeps no new one from becoming
// ready, a `health.x` message naming every backend NOT_SERVING takes out only x's, and a
// backend on the router's own listener gets no request (it would loop).
import { connectNats, openRoutesBucket } from "@signalbox/bus";
import { captureLogger, waitUntil } from "@signalbox/bus/testing";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { backendOf, endpoint, get } from "./harness.js";
import { useRouterSuite } from "./router-suite.js";

const suite = useRouterSuite();

async function withStranger<T>(run: (nc: Awaited<ReturnType<typeof connectNats>>) => Promise<T>): Promise<T> {
  const nc = await connectNats({
    servers: suite.harness.nats.url,
    name: "stranger",
    logger: captureLogger("silent").logger,
  });
  try {
    return await run(nc);
  } finally {
    await nc.close();
  }
}

describe("a stranger on the bus", () => {
  it("writes backend.x = '{' into signalbox-routes: later changes still apply and a new router gets ready", async () => {
    const web = await suite.backend("web-1");
    await suite.publish([endpoint("web.test", [{ selector: "app=web" }])], [backendOf(web, { app: "web" })]);
    await withStranger(async (nc) => {
      const kv = await openRoutesBucket(nc);
      await kv.put("backend.x", "{");
      await kv.put("not.ours", "1");
    });
    const other = await suite.backend("web-2");
    const version = await suite.publish(
      [endpoint("web.test", [{ selector: "app=web" }]), endpoint("new.test", [{ selector: "app=new" }])],
      [backendOf(web, { app: "web" }), backendOf(other, { app: "new" })],
    );
    expect((await get(suite.router.url, "new.test")).status).toBe(200);

    const fresh = await suite.harness.startRouter({ ROUTER_ID: "fresh-router" });
    await waitUntil(() => fresh.tableVersion() === version, `the new router at version ${version}`, 10_000);
    expect((await request(`${fresh.admin}/readyz`)).statusCode).toBe(200);
    expect((await get(fresh.url, "web.test")).status).toBe(200);
    const metrics = await (await request(`${fresh.admin}/metrics`)).body.text();
    expect(metrics).toMatch(/^signalbox_router_kv_skipped_entries_total [1-9]\d*$/m);
    const skipLogs = fresh.logs.lines.filter((l) => l.msg === "skipped an unusable key in the routes bucket");
    expect(skipLogs.map((l) => l.key).sort()).toEqual(["backend.x", "not.ours"]);
  });

  it("publishes health.x naming every backend NOT_SERVING: backends of other services keep serving", async () => {
    const web = await suite.backend("h-web");
    const x = await suite.backend("h-x");
    await suite.publish(
      [endpoint("hweb.test", [{ selector: "app=hweb" }]), endpoint("hx.test", [{ selector: "app=hx" }])],
      [backendOf(web, { app: "hweb" }), { ...backendOf(x, { app: "hx" }), service: "x" }],
    );
    const everyone = { "h-web": "NOT_SERVING", "h-x": "NOT_SERVING" } as const;
    suite.harness.publishHealth("x", everyone);
    await waitUntil(
      async () => (await get(suite.router.url, "hx.test")).status === 503,
      "x's verdict applied",
    );
    expect((await get(suite.router.url, "hweb.test")).status).toBe(200);

    // A body claiming /web, sent on health.x, is not /web's verdict either.
    await withStranger(async (nc) => {
      const body = {
        service: "/web",
        status: "NOT_SERVING",
        backends: { "h-web": "NOT_SERVING" },
        at: Date.now(),
      };
      nc.publish("health.x", JSON.stringify(body));
      await nc.flush();
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await get(suite.router.url, "hweb.test")).status).toBe(200);
    const metrics = await (await request(`${suite.router.admin}/metrics`)).body.text();
    expect(metrics).toMatch(/^signalbox_router_health_verdicts_ignored_total 2$/m);

    // The service's own subject still applies.
    suite.harness.publishHealth("/web", { "h-web": "NOT_SERVING" });
    await waitUntil(async () => (await get(suite.router.url, "hweb.test")).status === 503, "/web's verdict");
  });

  it("points a backend at the router's own listeners: it gets no request, the router says so", async () => {
    const port = Number(new URL(suite.router.url).port);
    const adminPort = Number(new URL(suite.router.admin).port);
    const loop = backendOf({ id: "loop", address: `127.0.0.1:${port}` }, { app: "loop" });
    const admin = backendOf({ id: "admin", address: `localhost:${adminPort}` }, { app: "loop" });
    await suite.publish([endpoint("loop.test", [{ selector: "app=loop" }])], [loop, admin]);
    const answer = await get(suite.router.url, "loop.test");
    expect({ status: answer.status, reason: answer.headers["x-signalbox-error"] }).toEqual({
      status: 503,
      reason: "no-healthy-backend",
    });
    const metrics = await (await request(`${suite.router.admin}/metrics`)).body.text();
    expect(metrics).toMatch(/^signalbox_router_own_listener_backends_total 2$/m);
    const refusals = suite.router.logs.lines.filter(
      (l) => l.msg === "backend refused: its address is one of this router's own listeners",
    );
    expect(refusals.map((l) => l.backend).sort()).toEqual(["admin", "loop"]);
  });
});
