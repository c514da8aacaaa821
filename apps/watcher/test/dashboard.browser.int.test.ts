// The dashboard in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core, kept
// off the network) against a real stack on a private nats-server: this watcher in-process, a
// router and the health service as `signalbox` child processes, two node:http backends. The page
// shows the endpoint and backends; a killed backend turns NOT_SERVING within 10 s and a weight
// changed by `signalbox shape` shows within 2 s, both without a reload. With
// DASHBOARD_SCREENSHOT=path it saves a screenshot there (how docs/dashboard.png is made).

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { captureLogger, findFreePorts, type NatsServer, startNatsServer } from "@signalbox/bus/testing";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, start, type Watcher } from "../src/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const cli = join(root, "apps/cli/bin/signalbox.mjs");
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let nats: NatsServer;
let dir: string;
let watcher: Watcher;
let browser: BrowserContext | undefined;
const children: ChildProcess[] = [];
const backends: Server[] = [];

async function startBackend(): Promise<Server> {
  const server = createServer((_req, res) => res.end("ok\n"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  backends.push(server);
  return server;
}

const portOf = (server: Server) => (server.address() as AddressInfo).port;

function startService(name: string, env: Record<string, string>): void {
  const child = spawn(process.execPath, [cli, name], {
    env: { PATH: process.env.PATH ?? "", NATS_URL: nats.url, LOG_LEVEL: "warn", ...env },
    stdio: "ignore",
  });
  children.push(child);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sb-dashboard-"));
  nats = await startNatsServer();
  const stable = await startBackend();
  const canary = await startBackend();
  await writeFile(
    join(dir, "routes.yaml"),
    `endpoints:
  - pattern: demo.test
    routes:
      - { name: stable, selector: "version=v1", weight: 90 }
      - { name: canary, selector: "version=v2", weight: 10 }
backends:
  - { id: web-v1, service: demo, address: "127.0.0.1:${portOf(stable)}", labels: { version: v1 } }
  - { id: web-v2, service: demo, address: "127.0.0.1:${portOf(canary)}", labels: { version: v2 } }
`,
  );
  watcher = await start(
    loadConfig({
      ROUTES_FILE: join(dir, "routes.yaml"),
      WATCHER_ADMIN_LISTEN: "127.0.0.1:0",
      WATCHER_DEBOUNCE_MS: "5",
      WATCHER_ID: "dash-watcher",
      NATS_URL: nats.url,
    }),
    { logger: captureLogger("warn").logger },
  );
  const [routerPort, routerAdmin, grpcPort, healthAdmin] = await findFreePorts(4);
  startService("router", {
    ROUTER_LISTEN: `127.0.0.1:${routerPort}`,
    ROUTER_ADMIN_LISTEN: `127.0.0.1:${routerAdmin}`,
    ROUTER_ID: "dash-router",
    ROUTER_ACCESS_LOG: "off",
  });
  startService("health", {
    HEALTH_GRPC_LISTEN: `127.0.0.1:${grpcPort}`,
    HEALTH_ADMIN_LISTEN: `127.0.0.1:${healthAdmin}`,
    HEALTH_INTERVAL_MS: "300",
    HEALTH_TIMEOUT_MS: "300",
    HEALTH_FALL: "2",
    HEALTH_RISE: "1",
    HEALTH_PUBLISH_INTERVAL_MS: "1000",
  });
  browser = await chromium.launchPersistentContext(join(dir, "chromium-profile"), {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1100, height: 640 },
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(
    children.map((child) =>
      child.exitCode !== null || child.signalCode !== null
        ? undefined
        : new Promise((resolve) => child.once("exit", resolve)),
    ),
  );
  await watcher?.stop();
  for (const server of backends) {
    server.closeAllConnections();
    server.close();
  }
  await nats?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe("watcher dashboard", () => {
  it("shows the fleet live: a killed backend turns NOT_SERVING, a shaped weight shows", async () => {
    const context = browser as BrowserContext;
    const page = await context.newPage();
    const admin = `http://127.0.0.1:${watcher.adminAddress.port}`;
    const fetched: string[] = [];
    page.on("request", (request) => fetched.push(request.url()));
    await page.goto(`${admin}/`);
    const verdict = (id: string) => page.locator(`[data-backend="${id}"] .verdict-cell`);
    const weight = (route: string) => page.locator(`[data-route="demo.test#${route}"] .weight`);

    await expect.poll(() => weight("route000").textContent(), { timeout: 10_000 }).toBe("90");
    expect(await weight("route001").textContent()).toBe("10");
    await expect.poll(() => verdict("web-v1").textContent(), { timeout: 15_000 }).toBe("SERVING");
    await expect.poll(() => verdict("web-v2").textContent(), { timeout: 15_000 }).toBe("SERVING");
    await expect.poll(() => page.locator('[data-router="dash-router"]').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator("[data-watcher]").textContent()).toContain("dash-watcher (leader)");

    // The canary dies: the health service's verdict reaches the page without a reload.
    const canary = backends[1] as Server;
    canary.closeAllConnections();
    canary.close();
    const killedAt = Date.now();
    await expect.poll(() => verdict("web-v2").textContent(), { timeout: 10_000 }).toBe("NOT_SERVING");
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect(await verdict("web-v1").textContent()).toBe("SERVING");

    // `signalbox shape` through the control API: the new weights show within 2 s.
    await promisify(execFile)(process.execPath, [cli, "shape", "demo.test", "route000=50", "route001=50"], {
      env: { PATH: process.env.PATH ?? "", NATS_URL: nats.url },
    });
    const shapedAt = Date.now();
    await expect.poll(() => weight("route000").textContent(), { timeout: 2000, interval: 50 }).toBe("50");
    expect(Date.now() - shapedAt).toBeLessThan(2000);
    expect(await weight("route001").textContent()).toBe("50");

    // The explain box answers from the same table.
    await page.fill("#explain-url", "http://demo.test/cart");
    await page.click("#explain button");
    await expect.poll(() => page.locator("#explain-out").textContent()).toContain('"endpoint": "demo.test"');

    const screenshot = process.env.DASHBOARD_SCREENSHOT;
    if (screenshot) await page.screenshot({ path: screenshot });
    // Self-contained: nothing was fetched from anywhere but the watcher.
    expect(fetched.length).toBeGreaterThan(0);
    expect(fetched.filter((url) => !url.startsWith(`${admin}/`))).toEqual([]);
    await page.close();
  }, 60_000);
});
