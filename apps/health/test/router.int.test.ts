// Health and a running router together: a backend whose probe fails stops getting traffic,
// and gets it again once its probe passes (the router follows `health.>`).
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connectNats, openRoutesBucket, writeRouteTable } from "@signalbox/bus";
import { type NatsServer, startNatsServer } from "@signalbox/bus/testing";
import type { Backend } from "@signalbox/route-model";
import { loadConfig as loadRouterConfig, type RunningRouter, start as startRouter } from "@signalbox/router";
import { pino } from "pino";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HealthService, loadConfig, type NatsConnection, start } from "../src/index.js";

interface NamedBackend {
  name: string;
  server: Server;
  address: string;
  healthy: boolean;
}

let nats: NatsServer;
let nc: NatsConnection;
let health: HealthService | undefined;
let router: RunningRouter | undefined;
const backends: NamedBackend[] = [];

/** Serves its name on every path but /healthz, which answers 200 or 503 as the test says. */
async function startNamedBackend(name: string): Promise<NamedBackend> {
  const backend = { name, healthy: true } as NamedBackend;
  backend.server = createServer((req, res) => {
    if (req.url === "/healthz") res.writeHead(backend.healthy ? 200 : 503).end();
    else res.writeHead(200, { "content-type": "text/plain" }).end(name);
  });
  backend.server.listen(0, "127.0.0.1");
  await once(backend.server, "listening");
  backend.address = `127.0.0.1:${(backend.server.address() as AddressInfo).port}`;
  backends.push(backend);
  return backend;
}

function asBackend(named: NamedBackend): Backend {
  return {
    id: named.name,
    service: "/shop",
    address: named.address,
    labels: { app: "shop", "signalbox.health.path": "/healthz" },
    state: "up",
    source: "file",
    connectedAt: 0,
  };
}

/** Which backend answered each of `count` requests to shop.test through the router. */
async function spread(count: number): Promise<Record<string, number>> {
  const port = router?.addresses[0]?.port;
  const seen: Record<string, number> = {};
  for (let i = 0; i < count; i += 1) {
    const response = await request(`http://127.0.0.1:${port}/`, { headers: { host: "shop.test" } });
    const body = await response.body.text();
    const key = response.statusCode === 200 ? body : `status ${response.statusCode}`;
    seen[key] = (seen[key] ?? 0) + 1;
  }
  return seen;
}

beforeAll(async () => {
  nats = await startNatsServer();
  const logger = pino({ level: "silent" });
  nc = await connectNats({ servers: nats.url, name: "health-router-test", logger });
  const [a, b] = [await startNamedBackend("a"), await startNamedBackend("b")];
  await writeRouteTable(await openRoutesBucket(nc), undefined, {
    version: 1,
    generatedAt: Date.now(),
    endpoints: [
      {
        pattern: "shop.test",
        routes: [{ id: "route000", selector: "app=shop", weight: 100, strategy: "round-robin" }],
        filters: [],
      },
    ],
    backends: [asBackend(a), asBackend(b)],
  });
  const env = { NATS_URL: nats.url, LOG_LEVEL: "silent" };
  router = await startRouter(
    loadRouterConfig({
      ...env,
      ROUTER_LISTEN: "127.0.0.1:0",
      ROUTER_ADMIN_LISTEN: "127.0.0.1:0",
      ROUTER_SLOW_START_MS: "0",
      DRAIN_DELAY_MS: "0",
      DRAIN_TIMEOUT_MS: "1000",
    }),
  );
  health = await start(
    loadConfig({
      ...env,
      HEALTH_GRPC_LISTEN: "127.0.0.1:0",
      HEALTH_ADMIN_LISTEN: "127.0.0.1:0",
      HEALTH_INTERVAL_MS: "40",
      HEALTH_PUBLISH_INTERVAL_MS: "200",
    }),
  );
  const deadline = Date.now() + 10_000;
  while (router.tableVersion() !== 1) {
    if (Date.now() > deadline) throw new Error("the router never read the route table");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
});

afterAll(async () => {
  await health?.stop();
  await router?.stop();
  for (const backend of backends) {
    backend.server.closeAllConnections();
    backend.server.close();
  }
  await nc?.close();
  await nats?.stop();
});

describe("a running router", () => {
  it("stops sending traffic to a backend whose probe fails, and resumes once it passes", async () => {
    const [a] = backends;
    if (!a) throw new Error("no backend a");
    await expect.poll(() => spread(10), { timeout: 10_000 }).toEqual({ a: 5, b: 5 });

    a.healthy = false;
    await expect.poll(() => spread(10), { timeout: 10_000 }).toEqual({ b: 10 });
    expect(await spread(20)).toEqual({ b: 20 });

    a.healthy = true;
    await expect.poll(() => spread(10), { timeout: 10_000 }).toEqual({ a: 5, b: 5 });
  });
});
