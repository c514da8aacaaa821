// The whole watcher against a private nats-server, a fake Marathon and a routes file:
// publication to signalbox-routes and routes.updated, nothing written when nothing
// changed, stable route ids, and leader failover between two watchers.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "@signalbox/backoff/testing";
import type { RoutesUpdated } from "@signalbox/bus";
import { codecs, connectNats, META_KEY, openRoutesBucket, readRouteTable, subjects } from "@signalbox/bus";
import { captureLogger, type NatsServer, startNatsServer } from "@signalbox/bus/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NatsConnection } from "../src/bus-types.js";
import { type Config, loadConfig, start, type Watcher } from "../src/index.js";
import { type FakeMarathon, startFakeMarathon } from "../src/testing/fake-marathon.js";
import { manyApps, marathonApp } from "../src/testing/marathon-apps.js";
import { driveUntil, realDelay } from "./drive-clock.js";
import { reloadEvents } from "./fixtures/marathon-events.js";

const LEASE_TTL_MS = 600;

let nats: NatsServer;
let marathon: FakeMarathon;
let dir: string;
let routesFile: string;
let observer: NatsConnection;
let updates: RoutesUpdated[];
const cleanups: (() => Promise<void>)[] = [];

beforeEach(async () => {
  nats = await startNatsServer();
  marathon = await startFakeMarathon();
  dir = await mkdtemp(join(tmpdir(), "sb-watcher-"));
  routesFile = join(dir, "routes.yaml");
  await writeFile(routesFile, fileRoutes("api.test"));
  observer = await connectNats({
    servers: nats.url,
    name: "observer",
    logger: captureLogger("silent").logger,
  });
  updates = [];
  observer.subscribe(subjects.routesUpdated, {
    callback: (_error, msg) => {
      const decoded = codecs.routesUpdated.decode(msg.data);
      if (decoded.ok) updates.push(decoded.value);
    },
  });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await observer.close();
  await marathon.close();
  await rm(dir, { recursive: true, force: true });
  await nats.stop();
});

function fileRoutes(host: string): string {
  return `endpoints:\n  - pattern: ${host}\n    routes:\n      - selector: app=api\nbackends:\n  - { service: api, address: "127.0.0.1:9000", labels: { app: api } }\n`;
}

const app = (id: string, host = "shop.test") =>
  marathonApp({ id, labels: { "signalbox.host": host }, tasks: [{ host: "10.0.0.1" }] });

function config(watcherId: string): Config {
  return loadConfig({
    NATS_URL: nats.url,
    MARATHON_URL: marathon.url,
    ROUTES_FILE: routesFile,
    WATCHER_ID: watcherId,
    WATCHER_ADMIN_LISTEN: "127.0.0.1:0",
    WATCHER_DEBOUNCE_MS: "20",
    WATCHER_LEASE_TTL_MS: String(LEASE_TTL_MS),
    LOG_LEVEL: "silent",
  });
}

/** A watcher with its own NATS connection (so a test can cut it) on the given clock. */
async function startWatcher(
  watcherId: string,
  clock: ManualClock,
  deps: { routesReadTimeoutMs?: number } = {},
) {
  const nc = await connectNats({
    servers: nats.url,
    name: watcherId,
    logger: captureLogger("silent").logger,
  });
  const log = captureLogger("info");
  const watcher = await start(config(watcherId), {
    clock,
    nc,
    logger: log.logger,
    random: () => 0.5,
    ...deps,
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await watcher.stop();
    await nc.close().catch(() => undefined);
  };
  cleanups.push(stop);
  return { watcher, nc, log, stop };
}

async function kvState() {
  const kv = await openRoutesBucket(observer);
  const meta = await kv.get(META_KEY);
  return { table: await readRouteTable(kv), metaRevision: meta?.revision ?? 0 };
}

const version = (watcher: Watcher) => watcher.builder.current()?.version ?? 0;

describe("watcher", () => {
  it("publishes one table merged from Marathon and the routes file, meta last, then routes.updated", async () => {
    marathon.apps = [app("/shop/web")];
    const clock = new ManualClock(1_700_000_000_000);
    const { watcher } = await startWatcher("w1", clock);
    await driveUntil(clock, () => version(watcher) === 1 && updates.length === 1, "version 1");

    const { table } = await kvState();
    expect(table.version).toBe(1);
    expect(table.endpoints.map((e) => e.pattern)).toEqual(["api.test", "shop.test"]);
    expect(table.endpoints.map((e) => e.routes.map((r) => r.id))).toEqual([["route000"], ["route000"]]);
    expect(table.backends.map((b) => b.source).sort()).toEqual(["file", "marathon"]);
    expect(watcher.builder.current()).toEqual(table);
    expect(updates[0]).toMatchObject({ version: 1, changed: { endpoints: ["api.test", "shop.test"] } });
    expect(updates[0]?.changed.backends).toHaveLength(2);
  });

  it("caps routes.updated's changed lists so a big table still fits one NATS message", async () => {
    marathon.apps = manyApps(400, 3);
    const clock = new ManualClock(1_700_000_000_000);
    const { watcher } = await startWatcher("w1", clock);
    await driveUntil(clock, () => version(watcher) === 1 && updates.length === 1, "version 1");
    expect((await kvState()).table.backends).toHaveLength(1_201);
    expect(updates[0]?.changed.endpoints).toHaveLength(401);
    expect(updates[0]?.changed.backends).toHaveLength(1_000);
  });

  it("writes nothing when nothing changed", async () => {
    marathon.apps = [app("/shop/web")];
    const clock = new ManualClock(1_700_000_000_000);
    const { watcher } = await startWatcher("w1", clock);
    await driveUntil(clock, () => version(watcher) === 1 && updates.length === 1, "version 1");
    const before = await kvState();

    for (const [type, payload] of Object.entries(reloadEvents)) marathon.emit(type, payload);
    await writeFile(routesFile, fileRoutes("api.test"));
    const fetches = marathon.appsRequests.length;
    await driveUntil(clock, () => marathon.appsRequests.length > fetches, "a reload");
    clock.advance(300_000); // and a resync of both sources
    await driveUntil(clock, () => false, "settling", { timeoutMs: 300 }).catch(() => undefined);

    const after = await kvState();
    expect(after.metaRevision).toBe(before.metaRevision);
    expect(updates).toHaveLength(1);
    expect(version(watcher)).toBe(1);
  });

  it("keeps route ids stable across changes and numbers a new route with the lowest free id", async () => {
    marathon.apps = [app("/shop/blue")];
    const clock = new ManualClock(1_700_000_000_000);
    const { watcher } = await startWatcher("w1", clock);
    await driveUntil(clock, () => version(watcher) === 1, "version 1");
    const routesOf = () =>
      watcher.builder
        .current()
        ?.endpoints.find((e) => e.pattern === "shop.test")
        ?.routes.map((r) => `${r.id} ${r.selector.split(",")[0]}`);
    expect(routesOf()).toEqual(["route000 marathon.app=/shop/blue"]);

    marathon.apps = [app("/shop/blue"), app("/shop/green")];
    marathon.emit("deployment_success", reloadEvents.deployment_success);
    await driveUntil(clock, () => version(watcher) === 2, "version 2");
    expect(routesOf()).toEqual(["route000 marathon.app=/shop/blue", "route001 marathon.app=/shop/green"]);

    marathon.apps = [app("/shop/green")];
    marathon.emit("app_terminated_event", { appId: "/shop/blue" });
    await driveUntil(clock, () => version(watcher) === 3 && updates.length === 3, "version 3");
    expect(routesOf()).toEqual(["route001 marathon.app=/shop/green"]);
    expect(updates.map((u) => u.version)).toEqual([1, 2, 3]);
    expect(updates[2]?.changed.endpoints).toEqual(["shop.test"]);
  });

  it("rejects start() when the admin port is taken, leaving nothing running", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const taken = { ...config("w1"), adminListen: { host: "127.0.0.1", port } };
      await expect(start(taken, { logger: captureLogger("silent").logger })).rejects.toMatchObject({
        code: "EADDRINUSE",
      });
    } finally {
      blocker.close();
    }
  });

  it("warns at start when its NATS settings carry no credentials, and not with them", async () => {
    const run = async (watcherId: string, natsEnv: Record<string, string>) => {
      const nc = await connectNats({ env: natsEnv, name: watcherId, logger: captureLogger("silent").logger });
      const log = captureLogger("info");
      const clock = new ManualClock(1_700_000_000_000);
      const watcher = await start(
        { ...config(watcherId), natsEnv },
        { clock, nc, logger: log.logger, random: () => 0.5 },
      );
      cleanups.push(async () => {
        await watcher.stop();
        await nc.close().catch(() => undefined);
      });
      // Stopped only once it has published, as every watcher in this file is.
      await driveUntil(clock, () => version(watcher) === 1, `${watcherId} version 1`);
      return log.find("no NATS credentials: any client of this NATS server may call signalbox.api.*");
    };
    expect(await run("w1", { NATS_URL: nats.url })).toEqual([
      expect.objectContaining({ component: "api", level: 40 }),
    ]);
    const locked = await startNatsServer({ user: "watcher", password: "watcher-password" });
    cleanups.push(() => locked.stop());
    const login = { NATS_URL: locked.url, NATS_USER: "watcher", NATS_PASSWORD: "watcher-password" };
    expect(await run("w2", login)).toEqual([]);
  });

  it("serves /healthz and /metrics on the admin listener", async () => {
    marathon.apps = [app("/shop/web")];
    const clock = new ManualClock(1_700_000_000_000);
    const { watcher } = await startWatcher("w1", clock);
    await driveUntil(clock, () => version(watcher) === 1, "version 1");
    const base = `http://127.0.0.1:${watcher.adminAddress.port}`;
    const health = await (await fetch(`${base}/healthz`)).json();
    expect(health).toMatchObject({ status: "ok", watcherId: "w1", leader: true, version: 1, waitingFor: [] });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/signalbox_watcher_table_version\{service="watcher"\} 1/);
    expect(metrics).toContain("signalbox_watcher_marathon_stream_age_seconds");
  });
});

describe("watcher failover", () => {
  it("lets exactly one watcher write; a standby takes over after the lease expires and never goes back in version", async () => {
    marathon.apps = [app("/shop/web")];
    const clock = new ManualClock(1_700_000_000_000);
    const a = await startWatcher("a", clock);
    await driveUntil(clock, () => a.watcher.isLeader() && version(a.watcher) === 1, "a leads at version 1");
    const b = await startWatcher("b", clock);
    await driveUntil(clock, () => version(b.watcher) === 1, "b follows version 1");
    const before = await kvState();
    await driveUntil(clock, () => false, "b standing by", { timeoutMs: 300 }).catch(() => undefined);
    expect(b.watcher.isLeader()).toBe(false);
    expect((await kvState()).metaRevision).toBe(before.metaRevision);

    // The leader loses NATS: no renewal; b must wait for the lease to expire.
    await a.nc.close();
    const cutAt = clock.now();
    await driveUntil(clock, () => b.watcher.isLeader(), "b takes over");
    const tookMs = clock.now() - cutAt;
    expect(tookMs).toBeGreaterThan(LEASE_TTL_MS / 3);
    expect(tookMs).toBeLessThanOrEqual(LEASE_TTL_MS + LEASE_TTL_MS / 3 + 50);
    expect(a.watcher.isLeader()).toBe(false);
    // Taking over alone writes nothing: same table, same route ids, same connectedAt.
    await driveUntil(clock, () => false, "b settling", { timeoutMs: 300 }).catch(() => undefined);
    expect((await kvState()).metaRevision).toBe(before.metaRevision);
    expect(updates.map((u) => u.version)).toEqual([1]);

    await writeFile(routesFile, fileRoutes("api2.test"));
    await driveUntil(clock, () => version(b.watcher) === 2 && updates.length === 2, "b publishes version 2");
    const { table } = await kvState();
    expect(table.version).toBe(2);
    expect(table.endpoints.map((e) => e.pattern)).toEqual(["api2.test", "shop.test"]);
    expect(updates.map((u) => u.version)).toEqual([1, 2]);
    expect(b.log.find("leader lease taken")).toHaveLength(1);
  });

  it("deletes a stranger's keys in signalbox-routes at its next publication, and restarts past them", async () => {
    marathon.apps = [app("/shop/web")];
    const clock = new ManualClock(1_700_000_000_000);
    const first = await startWatcher("w1", clock);
    await driveUntil(clock, () => version(first.watcher) === 1, "version 1");
    const kv = await openRoutesBucket(observer);
    const bucketKeys = async () => {
      const keys: string[] = [];
      for await (const key of await kv.keys()) keys.push(key);
      return keys;
    };
    const decodable = {
      id: "y",
      service: "y",
      address: "127.0.0.1:1",
      labels: {},
      state: "up",
      source: "file",
    };
    await kv.put("backend.x", "{");
    await kv.put("backend.y", JSON.stringify({ ...decodable, connectedAt: 0 }));
    await kv.put("not.ours", "1");
    await realDelay(100);

    marathon.apps = [app("/shop/web"), app("/shop/new", "new.test")];
    marathon.emit("api_post_event", reloadEvents.api_post_event);
    await driveUntil(clock, () => version(first.watcher) === 2, "version 2");
    expect(
      (await bucketKeys()).filter((key) => ["backend.x", "backend.y", "not.ours"].includes(key)),
    ).toEqual([]);
    expect(first.log.lines).toContainEqual(
      expect.objectContaining({ msg: "repaired keys that are not the table's", count: 3 }),
    );
    await first.stop();

    // A foreign key before the latest meta: a restarted watcher's read must neither hang nor fail.
    await kv.put("backend.x", "{");
    await kv.put(META_KEY, (await kv.get(META_KEY))?.value ?? "");
    const restarted = await startWatcher("w1", clock);
    await driveUntil(
      clock,
      () => restarted.watcher.isLeader() && version(restarted.watcher) === 2,
      "resumed",
      {
        timeoutMs: 10_000,
      },
    );
    marathon.apps = [app("/shop/web")];
    marathon.emit("api_post_event", reloadEvents.api_post_event);
    await driveUntil(clock, () => version(restarted.watcher) === 3, "version 3 from the restarted watcher");
    expect(await bucketKeys()).not.toContain("backend.x");
    expect((await kvState()).table.version).toBe(3);
    expect(restarted.log.lines).toContainEqual(
      expect.objectContaining({ msg: "skipped an unusable key in the routes bucket", key: "backend.x" }),
    );
  });

  it("takes over a bucket that holds no consistent table, writing every entry again", async () => {
    marathon.apps = [app("/shop/web")];
    const clock = new ManualClock(1_700_000_000_000);
    const first = await startWatcher("w1", clock);
    await driveUntil(clock, () => version(first.watcher) === 1, "version 1");
    await first.stop();
    // A foreign entry that decodes, before the latest meta: no reader can match the meta's counts.
    const kv = await openRoutesBucket(observer);
    const foreign = {
      id: "y",
      service: "y",
      address: "127.0.0.1:1",
      labels: {},
      state: "up",
      source: "file",
    };
    await kv.put("backend.y", JSON.stringify({ ...foreign, connectedAt: 0 }));
    await kv.put(META_KEY, (await kv.get(META_KEY))?.value ?? "");

    const restarted = await startWatcher("w1", clock, { routesReadTimeoutMs: 300 });
    await driveUntil(clock, () => version(restarted.watcher) === 2, "version 2 written in full", {
      timeoutMs: 15_000,
    });
    expect(restarted.log.lines).toContainEqual(
      expect.objectContaining({ msg: expect.stringMatching(/holds no consistent table/), version: 1 }),
    );
    const { table } = await kvState();
    expect(table.version).toBe(2);
    expect(table.backends.map((b) => b.id)).not.toContain("y");
    expect(table.endpoints.map((e) => e.pattern)).toEqual(["api.test", "shop.test"]);
  });

  it("hands the lease over at once when the leader stops", async () => {
    marathon.apps = [app("/shop/web")];
    const clock = new ManualClock(1_700_000_000_000);
    const a = await startWatcher("a", clock);
    await driveUntil(clock, () => a.watcher.isLeader() && version(a.watcher) === 1, "a leads");
    const b = await startWatcher("b", clock);
    await driveUntil(clock, () => version(b.watcher) === 1, "b follows");
    await a.stop();
    const stoppedAt = clock.now();
    await driveUntil(clock, () => b.watcher.isLeader(), "b takes over", { stepMs: 5 });
    expect(clock.now() - stoppedAt).toBeLessThanOrEqual(LEASE_TTL_MS / 3 + 10);

    marathon.apps = [app("/shop/web"), app("/shop/new", "new.test")];
    marathon.emit("api_post_event", reloadEvents.api_post_event);
    await driveUntil(clock, () => version(b.watcher) === 2 && updates.length === 2, "version 2 from b");
    expect(updates.map((u) => u.version)).toEqual([1, 2]);
  });
});
