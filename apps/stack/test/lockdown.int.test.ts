// The locked-down control plane, end to end: `npm start`'s stack (startStack runs
// `signalbox nats-config`, nats-server with that nats.conf, every service with its own
// role's login) keeps its legitimate flows (route served, agents registered, health
// verdicts, CLI route add and shape), while each role is refused what it must not do
// (the API, KV writes, health.x, another role's inbox) with nothing changed, and an
// anonymous client cannot connect. Needs `npx nx run-many -t build`.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import {
  buckets,
  natsOptionsFromEnv,
  openConfigBucket,
  openRoutesBucket,
  type Role,
  readRouteTable,
  subjects,
} from "@signalbox/bus";
import { waitUntil } from "@signalbox/bus/testing";
import { type Stack, startStack, waitFor } from "@signalbox/stack";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stackTestEnv } from "./stack-env.js";

const execFileAsync = promisify(execFile);
const root = resolve(import.meta.dirname, "../../..");
const cli = resolve(root, "apps/cli/dist/main.js");
const DEMO_HOST = "demo.localhost";
const LOCKED_HOST = "locked.test";
/** How long a refused request may take to come back (a permission error, or its timeout). */
const REFUSAL_MS = 3_000;

let stack: Stack | undefined;
const connections: NatsConnection[] = [];
const dispatcher = new Agent({ connections: 4, keepAliveTimeout: 2_000 });

beforeAll(async () => {
  stack = await startStack({ rootDir: root, env: await stackTestEnv() });
}, 90_000);

afterAll(async () => {
  for (const nc of connections) await nc.close().catch(() => {});
  await dispatcher.close().catch(() => {});
  await stack?.stop();
}, 60_000);

function roleEnv(role: Role): Record<string, string> {
  const login = stack?.natsAuth?.roles[role];
  if (!stack || !login) throw new Error("the stack runs without NATS auth");
  return { ...login, NATS_URL: stack.natsUrl };
}

/** A connection as `role` (its login and inbox prefix), with every async error it gets. */
async function connectAs(role: Role): Promise<{ nc: NatsConnection; errors: Error[] }> {
  const nc = await connect({ ...natsOptionsFromEnv(roleEnv(role)), reconnect: false, timeout: 5_000 });
  connections.push(nc);
  const errors: Error[] = [];
  void (async () => {
    for await (const status of nc.status()) if (status.type === "error") errors.push(status.error);
  })();
  return { nc, errors };
}

/** Waits until the server has refused `operation` on `subject` on this connection. */
async function refused(errors: Error[], operation: "publish" | "subscription", subject: string) {
  const wanted = `Permissions Violation for ${operation === "publish" ? "Publish" : "Subscription"} to "${subject}"`;
  await waitUntil(() => errors.some((error) => error.message.includes(wanted)), wanted, REFUSAL_MS, 20);
}

async function signalbox(role: Role, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(process.execPath, [cli, ...args], {
    env: { ...process.env, ...roleEnv(role) },
    timeout: 15_000,
  });
  return stdout;
}

async function get(host: string): Promise<{ status: number; backend?: string }> {
  const res = await request(`${stack?.routerUrl}/`, {
    headers: { host },
    dispatcher,
    headersTimeout: 5_000,
    bodyTimeout: 5_000,
  });
  const body = await res.body.text();
  if (res.statusCode !== 200) return { status: res.statusCode };
  return { status: 200, backend: (JSON.parse(body) as { backend: string }).backend };
}

interface QueryJson {
  version: number;
  endpoints: { pattern: string; routes: { id: string; weight: number }[] }[];
  backends: { id: string; source: string; health?: string }[];
}

/** Every key of both buckets and the table's endpoints and backends (versions move with load). */
async function snapshot(): Promise<{ routeKeys: string[]; configKeys: string[]; table: string[] }> {
  const router = await connectAs("router");
  const routesKv = await openRoutesBucket(router.nc);
  const table = await readRouteTable(routesKv);
  const watcher = await connectAs("watcher");
  const configKv = await openConfigBucket(watcher.nc);
  // A set: keys() may yield a key twice when the watcher rewrites it meanwhile (agents' load).
  const keys = async (kv: typeof routesKv) => {
    const found = new Set<string>();
    for await (const key of await kv.keys()) found.add(key);
    return [...found].sort();
  };
  return {
    routeKeys: await keys(routesKv),
    configKeys: await keys(configKv),
    table: [
      ...table.endpoints.map((endpoint) => `${endpoint.pattern} ${JSON.stringify(endpoint.routes)}`),
      ...table.backends.map((backend) => `${backend.id} ${backend.address}`),
    ].sort(),
  };
}

describe("legitimate flows under NATS auth", () => {
  it("serves the demo route through the router", async () => {
    expect((await get(DEMO_HOST)).status).toBe(200);
  });

  it("has both agents registered and health verdicts on their backends", async () => {
    const agents = await waitFor(
      async () => {
        const query = JSON.parse(await signalbox("admin", ["query", "--json"])) as QueryJson;
        const found = query.backends.filter((backend) => backend.source === "agent");
        return found.length === 2 && found.every((backend) => backend.health === "SERVING")
          ? found
          : undefined;
      },
      { what: "two SERVING agent backends in signalbox query", timeoutMs: 20_000, intervalMs: 500 },
    );
    expect(agents).toHaveLength(2);
  });

  it("lets admin add a route and shape it, and the router follows", async () => {
    await signalbox("admin", ["route", "add", LOCKED_HOST, "app=demo,version=v2"]);
    await waitFor(async () => ((await get(LOCKED_HOST)).backend === "demo-v2" ? true : undefined), {
      what: `${LOCKED_HOST} served by demo-v2`,
      timeoutMs: 15_000,
    });
    await signalbox("admin", ["shape", DEMO_HOST, "route000=0", "route001=100"]);
    await waitFor(
      async () => {
        const answers = await Promise.all([1, 2, 3, 4, 5].map(() => get(DEMO_HOST)));
        return answers.every((answer) => answer.backend === "demo-v2") ? true : undefined;
      },
      { what: `${DEMO_HOST} shaped onto demo-v2`, timeoutMs: 15_000 },
    );
  });

  it("has run every service's flows so far without one permission violation", async () => {
    const natsLog = await readFile(join(stack?.logDir ?? "", "nats.log"), "utf8");
    expect(natsLog).toContain("Server is ready");
    expect(natsLog.split("\n").filter((line) => /violation/i.test(line))).toEqual([]);
  });
});

describe("what each role must not do", () => {
  it("refuses an anonymous client and a wrong password", async () => {
    const url = stack?.natsUrl ?? "";
    await expect(connect({ servers: url, reconnect: false, timeout: 5_000 })).rejects.toThrow(
      /Authorization Violation/,
    );
    await expect(
      connect({ servers: url, user: "admin", pass: "not-the-password", reconnect: false, timeout: 5_000 }),
    ).rejects.toThrow(/Authorization Violation/);
  });

  it("refuses the control API to every role but admin, and nothing changes", async () => {
    const before = await snapshot();
    for (const role of ["agent", "router", "health", "watcher"] as const) {
      const { nc, errors } = await connectAs(role);
      const body = new TextEncoder().encode(JSON.stringify({ pattern: "evil.test", selector: "" }));
      await expect(
        nc.request(subjects.api("route.add"), body, { timeout: REFUSAL_MS }),
        role,
      ).rejects.toThrow();
      await refused(errors, "publish", "signalbox.api.route.add");
    }
    expect(await snapshot()).toEqual(before);
  });

  it("refuses KV writes to every role but the watcher, and nothing changes", async () => {
    const before = await snapshot();
    for (const role of ["agent", "router", "health", "admin"] as const) {
      const { nc, errors } = await connectAs(role);
      for (const bucket of [buckets.routes, buckets.config]) {
        const subject = `$KV.${bucket}.backend.x`;
        await expect(
          nc.request(subject, "{", { timeout: REFUSAL_MS }),
          `${role} ${bucket}`,
        ).rejects.toThrow();
        await refused(errors, "publish", subject);
      }
    }
    // Not even a reader of the config bucket (the token hashes live there).
    const { nc, errors } = await connectAs("router");
    await expect(openConfigBucket(nc)).rejects.toThrow();
    await refused(errors, "publish", `$JS.API.STREAM.INFO.KV_${buckets.config}`);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses health.x to every role but health", async () => {
    const verdict = new TextEncoder().encode(JSON.stringify({ service: "x", backends: {} }));
    for (const role of ["agent", "router", "admin"] as const) {
      const { nc, errors } = await connectAs(role);
      nc.publish(subjects.health("x"), verdict);
      await refused(errors, "publish", "health.x");
    }
  });

  it("refuses a subscription to another role's inbox", async () => {
    const { nc, errors } = await connectAs("agent");
    for (const subject of ["_INBOX_admin.>", "_INBOX_watcher.>", "_INBOX.>", ">"]) {
      const sub = nc.subscribe(subject);
      await refused(errors, "subscription", subject);
      await expect(sub.closed).resolves.toBeInstanceOf(Error);
    }
  });

  it("refuses an agent the routers' and watcher's subjects", async () => {
    const { nc, errors } = await connectAs("agent");
    nc.publish(subjects.routesUpdated, "{}");
    await refused(errors, "publish", subjects.routesUpdated);
    nc.subscribe(subjects.agentRegister);
    await refused(errors, "subscription", subjects.agentRegister);
  });
});
