// The role permissions against a real nats-server (the one on PATH, 2.9.10 here and in CI)
// started from the rendered nats.conf: each role's real KV and request flows work through
// this package's own helpers, both with DIRECT.GET (allow_direct, the default on 2.9) and
// STREAM.MSG.GET (a bucket created without it); what a role must not do is refused.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { RouteTable } from "@signalbox/route-model";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { natsOptionsFromEnv } from "../src/connect.js";
import { openConfigBucket, openRoutesBucket } from "../src/kv/buckets.js";
import { followRouteTables, readRouteTable } from "../src/kv/routes-reader.js";
import { writeRouteTable } from "../src/kv/routes-writer.js";
import { newPassword, renderNatsConfig } from "../src/roles/nats-config.js";
import { ROLES, type Role } from "../src/roles/role-permissions.js";
import { buckets, subjects } from "../src/subjects.js";
import { type NatsServer, startNatsServer, waitUntil } from "../src/testing/index.js";
import { makeTable } from "./fixtures/route-tables.js";

const passwords = Object.fromEntries(ROLES.map((role) => [role, newPassword(randomBytes)])) as Record<
  Role,
  string
>;
let dir: string;
let configFile: string;
let nats: NatsServer;
const open: NatsConnection[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sb-roles-"));
  configFile = join(dir, "nats.conf");
  await writeFile(configFile, renderNatsConfig({ passwords, generatedAt: new Date(), bcryptCost: 4 }));
});
afterEach(async () => {
  for (const nc of open.splice(0)) await nc.close().catch(() => {});
  await nats?.stop();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function startServer(): Promise<void> {
  nats = await startNatsServer({ configFile, user: "watcher", password: passwords.watcher });
}

async function as(role: Role): Promise<{ nc: NatsConnection; errors: string[] }> {
  const env = { NATS_URL: nats.url, NATS_USER: role, NATS_PASSWORD: passwords[role] };
  const nc = await connect({ ...natsOptionsFromEnv(env), reconnect: false, timeout: 5_000 });
  open.push(nc);
  const errors: string[] = [];
  void (async () => {
    for await (const status of nc.status()) if (status.type === "error") errors.push(status.error.message);
  })();
  return { nc, errors };
}

/** Follows the routes bucket as `role` and resolves with the first table of `version`. */
async function followUntil(nc: NatsConnection, version: number): Promise<RouteTable> {
  const kv = await openRoutesBucket(nc);
  const controller = new AbortController();
  let found: RouteTable | undefined;
  const following = followRouteTables(kv, {
    signal: controller.signal,
    onTable: (table) => {
      if (table.version === version) found = table;
    },
  });
  await waitUntil(() => found !== undefined, `table version ${version}`, 10_000);
  controller.abort();
  await following;
  return found as RouteTable;
}

async function readersFollowTheWatcher(): Promise<void> {
  const watcher = await as("watcher");
  const routes = await openRoutesBucket(watcher.nc);
  let current = makeTable(20, 1, 3);
  await writeRouteTable(routes, undefined, current);
  for (const role of ["router", "health"] as const) {
    const reader = await as(role);
    const table = await readRouteTable(await openRoutesBucket(reader.nc));
    expect(table.version, role).toBe(current.version);
    expect(table.backends).toHaveLength(current.backends.length);
    const next = makeTable(current.backends.length + 1, current.version + 1, 3);
    const followed = followUntil(reader.nc, next.version);
    await writeRouteTable(routes, current, next);
    current = next;
    expect((await followed).backends, role).toHaveLength(next.backends.length);
    expect(reader.errors, role).toEqual([]);
  }
  expect(watcher.errors).toEqual([]);
}

describe("role permissions on a real nats-server", () => {
  it("lets the watcher write both buckets and routers and health read and watch the routes", async () => {
    await startServer();
    await readersFollowTheWatcher();
    const watcher = await as("watcher");
    const config = await openConfigBucket(watcher.nc);
    const revision = await config.create("token.tok_000000000001", "{}");
    await config.update("token.tok_000000000001", '{"revoked":true}', revision);
    expect((await config.get("token.tok_000000000001"))?.string()).toBe('{"revoked":true}');
    const keys: string[] = [];
    for await (const key of await config.keys("token.*")) keys.push(key);
    expect(keys).toEqual(["token.tok_000000000001"]);
    await config.delete("token.tok_000000000001");
    expect(watcher.errors).toEqual([]);
  });

  it("reads with STREAM.MSG.GET as well, for a bucket created without allow_direct", async () => {
    await startServer();
    const watcher = await as("watcher");
    const kvm = new Kvm(watcher.nc);
    await kvm.create(buckets.routes, { history: 1, allow_direct: false });
    await readersFollowTheWatcher();
  });

  it("answers agents and admin through their own inboxes only", async () => {
    await startServer();
    const watcher = await as("watcher");
    for (const subject of [subjects.agentRegister, subjects.api("query")]) {
      watcher.nc.subscribe(subject, {
        callback: (_error, msg) => {
          msg.respond(`re:${msg.subject}`);
        },
      });
    }
    await watcher.nc.flush();
    const agent = await as("agent");
    expect((await agent.nc.request(subjects.agentRegister, "{}", { timeout: 5_000 })).string()).toBe(
      "re:agent.register",
    );
    const admin = await as("admin");
    expect((await admin.nc.request(subjects.api("query"), "{}", { timeout: 5_000 })).string()).toBe(
      "re:signalbox.api.query",
    );
    expect([...agent.errors, ...admin.errors, ...watcher.errors]).toEqual([]);
  });

  it("refuses stream management, other buckets and foreign subjects", async () => {
    await startServer();
    const watcher = await as("watcher");
    await openRoutesBucket(watcher.nc);
    const router = await as("router");
    router.nc.publish(`$JS.API.STREAM.DELETE.KV_${buckets.routes}`, "");
    router.nc.publish(`$JS.API.STREAM.PURGE.KV_${buckets.routes}`, "");
    router.nc.publish("$JS.API.STREAM.CREATE.evil", "{}");
    router.nc.publish(subjects.health("x"), "{}");
    const health = await as("health");
    health.nc.publish(subjects.routerStats("r1"), "{}");
    for (const [errors, subject] of [
      [router.errors, `$JS.API.STREAM.DELETE.KV_${buckets.routes}`],
      [router.errors, `$JS.API.STREAM.PURGE.KV_${buckets.routes}`],
      [router.errors, "$JS.API.STREAM.CREATE.evil"],
      [router.errors, "health.x"],
      [health.errors, "stats.router.r1"],
    ] as const) {
      await waitUntil(
        () => errors.some((error) => error.includes(`Permissions Violation for Publish to "${subject}"`)),
        `refusal of ${subject}`,
        5_000,
      );
    }
    // The stream is still there.
    expect((await (await openRoutesBucket(watcher.nc)).status()).bucket).toBe(buckets.routes);
  });
});
