// The health service end to end: route table in a private NATS KV, real backends that go
// down and come back, `health.<service>` on NATS, and grpc.health.v1 through a separate client.
import { once } from "node:events";
import { type AddressInfo, createServer } from "node:net";
import { systemClock } from "@signalbox/backoff";
import {
  codecs,
  connectNats,
  type HealthMessage,
  openRoutesBucket,
  subjects,
  writeRouteTable,
} from "@signalbox/bus";
import { type NatsServer, startNatsServer } from "@signalbox/bus/testing";
import type { Backend, Endpoint, RouteTable } from "@signalbox/route-model";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HealthGrpcServer, startHealthGrpcServer } from "../src/grpc/health-service.js";
import { createHealthStore } from "../src/grpc/health-store.js";
import { type HealthService, loadConfig, type NatsConnection, start } from "../src/index.js";
import {
  type HttpBackend,
  startCheckOnlyGrpcBackend,
  startHttpBackend,
  startTcpBackend,
  type TcpBackend,
} from "./backends.js";
import { connectHealthClient, type TestHealthClient } from "./health-client.js";

const logger = pino({ level: "silent" });
const INTERVAL_MS = 40;

let nats: NatsServer;
let nc: NatsConnection;
let health: HealthService;
let client: TestHealthClient;
const messages: HealthMessage[] = [];
const cleanups: (() => unknown)[] = [];

/** The route table the test owns: `put` replaces backends/endpoints and writes a new version. */
const table: RouteTable = { version: 0, generatedAt: 0, endpoints: [], backends: [] };
let written: RouteTable | undefined;
async function putTable(change: { backends?: Backend[]; endpoints?: Endpoint[]; remove?: string[] }) {
  const ids = new Set([...(change.backends ?? []).map((b) => b.id), ...(change.remove ?? [])]);
  const patterns = new Set((change.endpoints ?? []).map((e) => e.pattern));
  const next: RouteTable = {
    version: table.version + 1,
    generatedAt: Date.now(),
    backends: [...table.backends.filter((b) => !ids.has(b.id)), ...(change.backends ?? [])],
    endpoints: [...table.endpoints.filter((e) => !patterns.has(e.pattern)), ...(change.endpoints ?? [])],
  };
  await writeRouteTable(await openRoutesBucket(nc), written, next);
  Object.assign(table, next);
  written = structuredClone(next);
}

function backend(id: string, service: string, address: string, labels: Record<string, string> = {}): Backend {
  return {
    id,
    service,
    address,
    labels: { app: service, ...labels },
    state: "up",
    source: "file",
    connectedAt: 0,
  };
}

/** Resolves with the first message (from index `from` on) for `service` that `match` accepts. */
async function nextHealth(service: string, match: (m: HealthMessage) => boolean, from = 0, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = messages.slice(from).find((m) => m.service === service && match(m));
    if (found) return found;
    if (Date.now() > deadline) {
      const seen = messages.filter((m) => m.service === service).map((m) => JSON.stringify(m.backends));
      throw new Error(`no matching health.${service}; saw ${seen.join(" ")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The index just past `message`, to wait for what comes after it. */
function after(message: HealthMessage): number {
  return messages.lastIndexOf(message) + 1;
}

/** The last message seen for `service`. */
function latestHealth(service: string): HealthMessage | undefined {
  return messages.findLast((m) => m.service === service);
}

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connectNats({ servers: nats.url, name: "health-test", logger });
  await openRoutesBucket(nc);
  const subscription = nc.subscribe(subjects.healthAll, {
    callback: (_error, message) => {
      const decoded = codecs.health.decode(message.data);
      if (decoded.ok) messages.push(decoded.value);
    },
  });
  cleanups.push(() => subscription.unsubscribe());
  const config = loadConfig({
    HEALTH_GRPC_LISTEN: "127.0.0.1:0",
    HEALTH_ADMIN_LISTEN: "127.0.0.1:0",
    HEALTH_INTERVAL_MS: String(INTERVAL_MS),
    HEALTH_TIMEOUT_MS: "500",
    HEALTH_PUBLISH_INTERVAL_MS: "300",
    NATS_URL: nats.url,
    LOG_LEVEL: "silent",
  });
  health = await start(config, { random: () => 0.5 });
  client = connectHealthClient(`127.0.0.1:${health.grpcPort}`);
});

afterAll(async () => {
  client?.close();
  await health?.stop();
  for (const cleanup of cleanups.reverse()) await cleanup();
  await nc?.close();
  await nats?.stop();
});

describe("health service", () => {
  let web: HttpBackend;
  let cache: TcpBackend;

  it("publishes SERVING for backends that pass, and answers Check", async () => {
    web = await startHttpBackend();
    cache = await startTcpBackend();
    cleanups.push(
      () => web.stop(),
      () => cache.stop(),
    );
    await putTable({
      backends: [
        backend("web-1", "/shop/web", web.address, { "signalbox.health.path": "/healthz" }),
        backend("web-2", "/shop/web", cache.address, { "signalbox.health.type": "tcp" }),
      ],
    });
    const first = await nextHealth("/shop/web", (m) => Object.keys(m.backends).length === 2);
    expect(first).toMatchObject({ status: "SERVING", backends: { "web-1": "SERVING", "web-2": "SERVING" } });
    expect(await client.check("/shop/web")).toEqual({ status: "SERVING" });
    expect(await client.check("")).toEqual({ status: "SERVING" });
    expect(await client.check("/never/seen")).toMatchObject({ code: 5 });
  });

  it("takes a backend out after `fall` failed probes and brings it back after `rise` passes", async () => {
    const from = messages.length;
    web.answer(503);
    const down = await nextHealth("/shop/web", (m) => m.backends["web-1"] === "NOT_SERVING", from);
    expect(web.answered.get(503)).toBeGreaterThanOrEqual(3);
    expect(down.status).toBe("SERVING");
    const back = messages.length;
    web.answer(200);
    const passesBefore = web.answered.get(200) ?? 0;
    await nextHealth("/shop/web", (m) => m.backends["web-1"] === "SERVING", back);
    expect((web.answered.get(200) ?? 0) - passesBefore).toBeGreaterThanOrEqual(2);
  });

  it("says the service is NOT_SERVING when no backend serves, and Watch hears each change", async () => {
    const watch = client.watch("/shop/web");
    cleanups.push(() => watch.cancel());
    expect(await watch.next()).toBe("SERVING");
    const from = messages.length;
    web.answer(503);
    await cache.down();
    const none = await nextHealth("/shop/web", (m) => m.status === "NOT_SERVING", from);
    expect(none.backends).toEqual({ "web-1": "NOT_SERVING", "web-2": "NOT_SERVING" });
    expect(await watch.next()).toBe("NOT_SERVING");
    expect(await client.check("/shop/web")).toEqual({ status: "NOT_SERVING" });
    await cache.up();
    web.answer(200);
    await nextHealth("/shop/web", (m) => m.status === "SERVING", after(none));
    expect(await watch.next()).toBe("SERVING");
  });

  it("takes a backend its agent reports draining out at once, whatever the probes say", async () => {
    await expect
      .poll(() => latestHealth("/shop/web")?.backends, { timeout: 5000 })
      .toEqual({ "web-1": "SERVING", "web-2": "SERVING" });
    const from = messages.length;
    const web2 = table.backends.find((b) => b.id === "web-2");
    if (!web2) throw new Error("web-2 missing");
    await putTable({ backends: [{ ...web2, state: "draining" }] });
    const drained = await nextHealth("/shop/web", (m) => m.backends["web-2"] === "NOT_SERVING", from, 1000);
    expect(drained.backends["web-1"]).toBe("SERVING");
    await putTable({ backends: [{ ...web2, state: "up" }] });
    await nextHealth("/shop/web", (m) => m.backends["web-2"] === "SERVING", after(drained));
  });

  it("republishes every service so a late subscriber catches up", async () => {
    const late: HealthMessage[] = [];
    const subscription = nc.subscribe(subjects.health("/shop/web"), {
      callback: (_error, message) => {
        const decoded = codecs.health.decode(message.data);
        if (decoded.ok) late.push(decoded.value);
      },
    });
    try {
      await expect.poll(() => late.length, { timeout: 2000 }).toBeGreaterThan(0);
      expect(late[0]).toMatchObject({ service: "/shop/web", status: "SERVING" });
    } finally {
      subscription.unsubscribe();
    }
  });

  it("holds a healthRequire backend out until its first pass, then lets it in at once", async () => {
    const fresh = await startHttpBackend();
    cleanups.push(() => fresh.stop());
    fresh.answer(503);
    const from = messages.length;
    await putTable({
      endpoints: [
        {
          pattern: "api.test",
          routes: [{ id: "route000", selector: "app=/api", weight: 100, strategy: "round-robin" }],
          filters: [],
          healthRequire: true,
        },
      ],
      backends: [backend("api-1", "/api", fresh.address)],
    });
    const held = await nextHealth("/api", () => true, from);
    expect(held).toMatchObject({ status: "NOT_SERVING", backends: { "api-1": "NOT_SERVING" } });
    fresh.answer(200);
    await nextHealth("/api", (m) => m.backends["api-1"] === "SERVING", from);
    expect(fresh.answered.get(200)).toBe(1);
  });

  it("follows a gRPC backend through its Watch stream, and one without Watch through Check", async () => {
    const store = createHealthStore();
    const pushing: HealthGrpcServer = await startHealthGrpcServer({
      store,
      listen: "127.0.0.1:0",
      logger,
      clock: systemClock,
    });
    const polled = await startCheckOnlyGrpcBackend();
    cleanups.push(
      () => pushing.stop(),
      () => polled.stop(),
    );
    store.set("orders", "SERVING");
    const from = messages.length;
    const grpcLabels = { "signalbox.health.type": "grpc", "signalbox.health.grpc-service": "orders" };
    await putTable({
      backends: [
        backend("orders-1", "/orders", `127.0.0.1:${pushing.port}`, grpcLabels),
        backend("orders-2", "/orders", polled.address, grpcLabels),
      ],
    });
    await nextHealth(
      "/orders",
      (m) => m.backends["orders-1"] === "SERVING" && m.backends["orders-2"] === "SERVING",
      from,
    );
    await expect.poll(() => pushing.watchers, { timeout: 2000 }).toBe(1);
    // Pushed: one message from the backend is enough, no fall threshold to wait for.
    const pushedFrom = messages.length;
    store.set("orders", "NOT_SERVING");
    const pushed = await nextHealth(
      "/orders",
      (m) => m.backends["orders-1"] === "NOT_SERVING",
      pushedFrom,
      1000,
    );
    // Polled: Check every interval, `fall` failures.
    const checks = polled.checks;
    polled.answer("NOT_SERVING");
    const polledDown = await nextHealth(
      "/orders",
      (m) => m.backends["orders-2"] === "NOT_SERVING",
      after(pushed),
    );
    expect(polled.checks - checks).toBeGreaterThanOrEqual(3);
    expect(await client.check("/orders")).toEqual({ status: "NOT_SERVING" });
    store.set("orders", "SERVING");
    await nextHealth("/orders", (m) => m.backends["orders-1"] === "SERVING", after(polledDown));
  });

  it("publishes a service that left the route table as NOT_SERVING with no backends", async () => {
    const from = messages.length;
    await putTable({ remove: ["orders-1", "orders-2"] });
    const gone = await nextHealth("/orders", (m) => Object.keys(m.backends).length === 0, from);
    expect(gone.status).toBe("NOT_SERVING");
    expect(await client.check("/orders")).toEqual({ status: "NOT_SERVING" });
  });

  it("serves /healthz and /metrics on the admin listener", async () => {
    const healthz = await fetch(`http://127.0.0.1:${health.adminPort}/healthz`);
    expect(healthz.status).toBe(200);
    expect(await healthz.json()).toMatchObject({ status: "ok", tableVersion: table.version });
    const metrics = await (await fetch(`http://127.0.0.1:${health.adminPort}/metrics`)).text();
    expect(metrics).toMatch(/signalbox_health_probes_total\{[^}]*kind="http"[^}]*result="fail"[^}]*\} [1-9]/);
    expect(metrics).toMatch(
      /signalbox_health_probe_duration_seconds_count\{[^}]*kind="http"[^}]*result="fail"[^}]*\} [1-9]/,
    );
    expect(metrics).toMatch(/signalbox_health_backends_serving\{[^}]*\} [1-9]/);
    expect(metrics).toContain(`signalbox_health_table_version{service="health"} ${table.version}`);
  });

  it("stops what it started when a later step fails (admin port taken)", async () => {
    const probe = createServer();
    probe.listen(0, "127.0.0.1");
    await once(probe, "listening");
    const grpcPort = (probe.address() as AddressInfo).port;
    probe.close();
    await once(probe, "close");
    const config = loadConfig({
      HEALTH_GRPC_LISTEN: `127.0.0.1:${grpcPort}`,
      HEALTH_ADMIN_LISTEN: `127.0.0.1:${health.adminPort}`,
      NATS_URL: nats.url,
      LOG_LEVEL: "silent",
    });
    await expect(start(config)).rejects.toThrow(/EADDRINUSE/);
    const again = createServer();
    again.listen(grpcPort, "127.0.0.1");
    await once(again, "listening");
    again.close();
  });

  it("on stop: overall NOT_SERVING to watchers, their streams ended cleanly", async () => {
    const overall = client.watch("");
    expect(await overall.next()).toBe("SERVING");
    await health.stop();
    expect(await overall.next()).toBe("NOT_SERVING");
    expect(await overall.next()).toBe("end:0");
  });
});
