// End-to-end: the processes `npm start` runs (startStack: nats-server, watcher, health,
// router, two demo backends behind agents), plus a fake Marathon with /shop on real
// loopback backends: a deploy makes shop.test live, a scale-up adds a backend, a dead
// backend is taken out by health, an agent drains and a watcher restarts while request
// loops through the router see no failure. Needs `npx nx run-many -t build`.
import { resolve } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { codecs, connectNats, type HealthMessage, subjects } from "@signalbox/bus";
import { type DemoBackend, type Stack, startDemoBackend, startStack, waitFor } from "@signalbox/stack";
import { type FakeMarathon, marathonApp, startFakeMarathon } from "@signalbox/watcher/testing";
import pino from "pino";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stackTestEnv } from "./stack-env.js";

const root = resolve(import.meta.dirname, "../../..");
const SHOP_HOST = "shop.test";
const DEMO_HOST = "demo.localhost";
const STEP_TIMEOUT_MS = 10_000;

let marathon: FakeMarathon | undefined;
let stack: Stack | undefined;
let nc: Awaited<ReturnType<typeof connectNats>> | undefined;
const shopBackends: DemoBackend[] = [];
const healthMessages: HealthMessage[] = [];
const dispatcher = new Agent({ connections: 16, keepAliveTimeout: 2_000 });
/** Times (ms) and counts printed at the end: what the report quotes. */
const measured: Record<string, number> = {};

beforeAll(async () => {
  const startedAt = Date.now();
  marathon = await startFakeMarathon();
  stack = await startStack({
    rootDir: root,
    env: await stackTestEnv({ MARATHON_URL: marathon.url, ROUTER_SLOW_START_MS: "300" }),
  });
  measured["stack up"] = Date.now() - startedAt;
  await marathon.waitForStreams(1, STEP_TIMEOUT_MS);
  // The stack runs under NATS auth: the test reads health verdicts with the router's login.
  nc = await connectNats({
    env: { ...stack.natsAuth?.roles.router },
    servers: stack.natsUrl,
    name: "e2e-test",
    logger: pino({ level: "silent" }),
  });
  nc.subscribe(subjects.health("/shop"), {
    callback: (_error, msg) => {
      const decoded = codecs.health.decode(msg.data);
      if (decoded.ok) healthMessages.push(decoded.value);
    },
  });
}, 60_000);

afterAll(async () => {
  await dispatcher.close().catch(() => {});
  await nc?.close().catch(() => {});
  await stack?.stop();
  await marathon?.close();
  for (const backend of shopBackends) killBackend(backend);
  console.info(`e2e measured (ms, counts): ${JSON.stringify(measured)}; logs in ${stack?.logDir}`);
}, 60_000);

/** GET through the router; `backend` is who answered (the demo backends' JSON). */
async function get(host: string): Promise<{ status: number; backend?: string; body: string }> {
  if (!stack) throw new Error("no stack");
  const res = await request(`${stack.routerUrl}/`, {
    headers: { host },
    dispatcher,
    headersTimeout: 5_000,
    bodyTimeout: 5_000,
  });
  const body = await res.body.text();
  if (res.statusCode !== 200) return { status: res.statusCode, body };
  return { status: 200, backend: (JSON.parse(body) as { backend: string }).backend, body };
}

interface LoadResult {
  total: number;
  failures: string[];
  byBackend: Map<string, number>;
}

/** Each distinct failure once, with how often it happened: a readable assertion message. */
function distinct(failures: string[]): string[] {
  const counts = new Map<string, number>();
  for (const failure of failures) counts.set(failure, (counts.get(failure) ?? 0) + 1);
  return [...counts].map(([failure, count]) => `${count} x ${failure}`);
}

/** Request loops (one per host, `perHost` each) until stop(); every non-200 or error is a failure. */
function startLoad(hosts: string[], perHost: number): { stop(): Promise<LoadResult> } {
  const result: LoadResult = { total: 0, failures: [], byBackend: new Map() };
  let running = true;
  const deadline = Date.now() + 30_000;
  const worker = async (host: string) => {
    while (running && Date.now() < deadline) {
      result.total++;
      try {
        const answer = await get(host);
        if (answer.status !== 200) result.failures.push(`${host}: ${answer.status} ${answer.body.trim()}`);
        else if (answer.backend)
          result.byBackend.set(answer.backend, (result.byBackend.get(answer.backend) ?? 0) + 1);
      } catch (error) {
        result.failures.push(`${host}: ${error instanceof Error ? error.message : String(error)}`);
      }
      await delay(5);
    }
  };
  const workers = hosts.flatMap((host) => Array.from({ length: perHost }, () => worker(host)));
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      return result;
    },
  };
}

async function startShopBackend(name: string): Promise<DemoBackend> {
  const backend = await startDemoBackend({ name, host: "127.0.0.1", port: 0 });
  shopBackends.push(backend);
  return backend;
}

/** A hard death: the listener closes and every open connection (the router's pool) is cut. */
function killBackend(backend: DemoBackend): void {
  backend.server.close();
  backend.server.closeAllConnections();
}

function portOf(backend: DemoBackend): number {
  return Number(backend.address.split(":").pop());
}

/** /shop in Marathon's /v2/apps shape: one task per backend, on loopback. */
function shopApp(tasks: { backend: DemoBackend; state?: string }[]): Record<string, unknown> {
  return marathonApp({
    id: "/shop",
    labels: { "signalbox.host": SHOP_HOST },
    tasks: tasks.map(({ backend, state }) => ({ host: "127.0.0.1", port: portOf(backend), state })),
  });
}

interface RouterBackend {
  id: string;
  address: string;
  available: boolean;
  health: string | null;
}

/** The backends the router holds for `host`'s endpoint (admin /routes). */
async function routerBackends(host: string): Promise<RouterBackend[]> {
  if (!stack) throw new Error("no stack");
  const res = await request(`${stack.adminUrl}/routes`, { dispatcher });
  const table = (await res.body.json()) as {
    endpoints?: { pattern: string; routes: { backends: RouterBackend[] }[] }[];
  };
  const endpoint = table.endpoints?.find((each) => each.pattern === host);
  return endpoint?.routes.flatMap((route) => route.backends) ?? [];
}

/** signalbox_router_retries_total: requests re-sent to another backend after a refused dial. */
async function routerRetries(): Promise<number> {
  if (!stack) throw new Error("no stack");
  const res = await request(`${stack.adminUrl}/metrics`, { dispatcher });
  const match = /^signalbox_router_retries_total (\d+)/m.exec(await res.body.text());
  if (!match) throw new Error("no signalbox_router_retries_total in the router's /metrics");
  return Number(match[1]);
}

async function answeredBy(host: string, count: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const answer = await get(host);
    expect(answer.status, answer.body).toBe(200);
    counts.set(answer.backend ?? "", (counts.get(answer.backend ?? "") ?? 0) + 1);
  }
  return counts;
}

describe("Signalbox end to end (npm start's processes and a fake Marathon)", () => {
  it("an app deploy event makes a route live through the router", async () => {
    if (!marathon) throw new Error("no fake Marathon");
    expect((await get(SHOP_HOST)).status).toBe(404);
    const [one, two] = [await startShopBackend("shop-1"), await startShopBackend("shop-2")];
    marathon.apps = [shopApp([{ backend: one }, { backend: two }])];
    const deployedAt = Date.now();
    marathon.emit("api_post_event", { uri: "/v2/apps/shop", appDefinition: { id: "/shop", instances: 2 } });
    marathon.emit("deployment_success", { id: "deploy-1", plan: { id: "deploy-1", steps: [] } });
    await waitFor(async () => ((await get(SHOP_HOST)).status === 200 ? true : undefined), {
      what: `${SHOP_HOST} to answer 200 through the router`,
      timeoutMs: STEP_TIMEOUT_MS,
      intervalMs: 20,
    });
    measured["deploy -> live"] = Date.now() - deployedAt;
    const counts = await answeredBy(SHOP_HOST, 20);
    expect([...counts.keys()].sort()).toEqual(["shop-1", "shop-2"]);
  });

  it("scaling the app adds a backend that gets traffic", async () => {
    if (!marathon) throw new Error("no fake Marathon");
    const [one, two] = shopBackends;
    if (!one || !two) throw new Error("no shop backends");
    const three = await startShopBackend("shop-3");
    marathon.apps = [shopApp([{ backend: one }, { backend: two }, { backend: three }])];
    const scaledAt = Date.now();
    marathon.emit("status_update_event", {
      taskId: "shop.instance-00000002-0000-0000-0000-000000000000._app.1",
      taskStatus: "TASK_RUNNING",
      appId: "/shop",
      host: "127.0.0.1",
      ports: [portOf(three)],
    });
    await waitFor(async () => ((await get(SHOP_HOST)).backend === "shop-3" ? true : undefined), {
      what: "shop-3 to get a request",
      timeoutMs: STEP_TIMEOUT_MS,
      intervalMs: 10,
    });
    measured["scale -> traffic"] = Date.now() - scaledAt;
    await delay(400); // past ROUTER_SLOW_START_MS: a full share from now on
    const counts = await answeredBy(SHOP_HOST, 30);
    expect([...counts.keys()].sort()).toEqual(["shop-1", "shop-2", "shop-3"]);
    expect(counts.get("shop-3")).toBeGreaterThanOrEqual(5);
  });

  it("a backend dies and health takes it out", async () => {
    const dead = shopBackends[1];
    if (!dead) throw new Error("no shop-2");
    const deadId = (await routerBackends(SHOP_HOST)).find((b) => b.address === dead.address)?.id;
    if (!deadId) throw new Error(`shop-2 (${dead.address}) is not in the router's ${SHOP_HOST} endpoint`);
    const load = startLoad([SHOP_HOST], 2);
    const retriesBefore = await routerRetries();
    const diedAt = Date.now();
    killBackend(dead); // its Marathon task stays TASK_RUNNING: only health can take it out
    const verdict = await waitFor(
      async () => {
        const held = (await routerBackends(SHOP_HOST)).find((b) => b.id === deadId);
        return held?.health === "NOT_SERVING" && !held.available ? held : undefined;
      },
      { what: `the router to hold ${deadId} NOT_SERVING`, timeoutMs: STEP_TIMEOUT_MS, intervalMs: 50 },
    );
    measured["backend dies -> out of rotation"] = Date.now() - diedAt;
    expect(verdict.address).toBe(dead.address);
    const during = await load.stop();
    // The router retries a refused dial on another backend, so the client rarely sees the death.
    measured["failed requests while it died"] = during.failures.length;
    measured["retries while it died"] = (await routerRetries()) - retriesBefore;
    // health.%2Fshop on NATS says so too.
    await waitFor(
      async () => (healthMessages.some((m) => m.backends[deadId] === "NOT_SERVING") ? true : undefined),
      { what: `health.%2Fshop to report ${deadId} NOT_SERVING`, timeoutMs: STEP_TIMEOUT_MS },
    );
    const last = healthMessages.at(-1);
    expect(last?.service).toBe("/shop");
    expect(last?.backends[deadId]).toBe("NOT_SERVING");
    // From now on nothing fails and nothing is sent to it.
    const after = startLoad([SHOP_HOST], 2);
    await delay(500);
    const result = await after.stop();
    expect(distinct(result.failures)).toEqual([]);
    expect([...result.byBackend.keys()].sort()).toEqual(["shop-1", "shop-3"]);
  });

  it("an agent drains while requests run, with zero failed requests", async () => {
    const agent = stack?.services.find((service) => service.name === "agent-v1");
    if (!agent) throw new Error("no agent-v1 in the stack");
    const load = startLoad([DEMO_HOST], 3);
    await delay(300);
    const retriesBefore = await routerRetries();
    const drainStartedAt = Date.now();
    const exitCode = await agent.stop(15_000); // SIGTERM: drain, deregister, stop its backend
    measured["agent drain"] = Date.now() - drainStartedAt;
    await delay(300);
    const result = await load.stop();
    expect(exitCode).toBe(0);
    expect(distinct(result.failures)).toEqual([]);
    // Not saved by retries either: the router stopped picking v1 before its backend stopped.
    expect(await routerRetries()).toBe(retriesBefore);
    expect(result.byBackend.get("demo-v1")).toBeGreaterThan(0);
    expect(result.total).toBeGreaterThan(20);
    // Only the canary is left: the endpoint sends everything to it, none to the drained v1.
    expect([...(await answeredBy(DEMO_HOST, 10)).keys()]).toEqual(["demo-v2"]);
  });

  it("the watcher restarts and the router keeps serving throughout", async () => {
    if (!stack || !marathon) throw new Error("no stack");
    const [one, two, three] = shopBackends;
    if (!one || !two || !three) throw new Error("no shop backends");
    const streamsBefore = marathon.eventRequests.length;
    const load = startLoad([SHOP_HOST, DEMO_HOST], 2);
    await delay(300);
    const restartedAt = Date.now();
    const fresh = await stack.restart("watcher");
    expect(fresh.pid).toBeDefined();
    expect(stack.services.find((service) => service.name === "watcher")).toBe(fresh);
    // The new watcher subscribes to Marathon's events again...
    await waitFor(
      async () => (marathon && marathon.eventRequests.length > streamsBefore ? true : undefined),
      {
        what: "the restarted watcher to open Marathon's event stream",
        timeoutMs: STEP_TIMEOUT_MS,
        intervalMs: 20,
      },
    );
    await marathon.waitForStreams(1, STEP_TIMEOUT_MS);
    // ...and leads: Marathon killing the dead task reaches the router through it.
    marathon.apps = [shopApp([{ backend: one }, { backend: two, state: "TASK_KILLED" }, { backend: three }])];
    marathon.emit("status_update_event", {
      taskId: "shop.instance-00000001-0000-0000-0000-000000000000._app.1",
      taskStatus: "TASK_KILLED",
      appId: "/shop",
      host: "127.0.0.1",
      ports: [portOf(two)],
    });
    await waitFor(
      async () => {
        const held = await routerBackends(SHOP_HOST);
        return held.length === 2 && !held.some((b) => b.address === two.address) ? true : undefined;
      },
      { what: "the restarted watcher's table without the killed task", timeoutMs: 15_000, intervalMs: 50 },
    );
    measured["watcher restart -> change applied"] = Date.now() - restartedAt;
    // Keep the load on for an agent heartbeat interval (2 s) past the restart: a new watcher
    // that lost the agents' backends would only get them back at their next heartbeat.
    await delay(Math.max(300, restartedAt + 2_500 - Date.now()));
    const result = await load.stop();
    expect(distinct(result.failures)).toEqual([]);
    expect((result.byBackend.get("shop-1") ?? 0) + (result.byBackend.get("shop-3") ?? 0)).toBeGreaterThan(10);
    expect(result.byBackend.get("demo-v2")).toBeGreaterThan(10);
    expect(stack.services.find((service) => service.name === "watcher")?.stopRequested).toBe(false);
  });
});
