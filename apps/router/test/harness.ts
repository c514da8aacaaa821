// Integration-test harness: a private nats-server, a KV writer publishing tables as the watcher
// does, node:http backends on port 0, and routers started in-process on port 0.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { codecs, connectNats, openRoutesBucket, subjects, writeRouteTable } from "@signalbox/bus";
import { captureLogger, type NatsServer, startNatsServer } from "@signalbox/bus/testing";
import type { Backend, Endpoint, RouteTable } from "@signalbox/route-model";
import { diffTables, hashTable } from "@signalbox/route-model";
import { request } from "undici";
import { loadConfig, type RunningRouter, start } from "../src/index.js";

export interface TestBackend {
  id: string;
  address: string;
  server: Server;
  /** Requests this backend answered. */
  hits: number;
  /** Kills the backend: stops listening and cuts every connection. */
  kill(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, backend: TestBackend) => void;

/** Echoes `{ backend, method, url, headers }` as JSON. */
export const echo: Handler = (req, res, backend) => {
  req.resume();
  req.on("end", () => {
    const body = JSON.stringify({
      backend: backend.id,
      method: req.method,
      url: req.url,
      headers: req.headers,
    });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
};

export async function startBackend(id: string, handler: Handler = echo): Promise<TestBackend> {
  const backend = { id, hits: 0 } as TestBackend;
  const server = createServer((req, res) => {
    backend.hits += 1;
    handler(req, res, backend);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  backend.server = server;
  backend.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  backend.kill = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return backend;
}

export function backendOf(b: { id: string; address: string }, labels: Record<string, string> = {}): Backend {
  return {
    id: b.id,
    service: "/web",
    address: b.address,
    labels,
    state: "up",
    source: "file",
    connectedAt: 0,
  };
}

export function endpoint(
  pattern: string,
  routes: { selector: string; weight?: number; strategy?: string }[],
  extra: Partial<Endpoint> = {},
): Endpoint {
  return {
    pattern,
    routes: routes.map((r, i) => ({
      id: `route${String(i).padStart(3, "0")}`,
      selector: r.selector,
      weight: r.weight ?? 1,
      strategy: r.strategy ?? "round-robin",
    })),
    filters: [],
    ...extra,
  };
}

export interface Harness {
  nats: NatsServer;
  /** Writes `table` (version and generatedAt filled in) and announces it on routes.updated. */
  publish(endpoints: Endpoint[], backends: Backend[]): Promise<number>;
  /** Sends one `health.<service>` message. */
  publishHealth(service: string, backends: Record<string, "SERVING" | "NOT_SERVING">): void;
  startRouter(env?: Record<string, string>): Promise<TestRouter>;
  stop(): Promise<void>;
}

export interface TestRouter extends RunningRouter {
  url: string;
  admin: string;
  logs: ReturnType<typeof captureLogger>;
}

export async function startHarness(): Promise<Harness> {
  const nats = await startNatsServer();
  const logs = captureLogger("silent");
  const nc = await connectNats({ servers: nats.url, name: "test-writer", logger: logs.logger });
  let kv = await openRoutesBucket(nc);
  let prev: RouteTable | undefined;
  const routers: RunningRouter[] = [];
  return {
    nats,
    async publish(endpoints, backends) {
      const next: RouteTable = {
        version: (prev?.version ?? 0) + 1,
        generatedAt: Date.now(),
        endpoints,
        backends,
      };
      try {
        await writeRouteTable(kv, prev, next);
      } catch {
        // After a fresh server replaced the old one the bucket is gone: create it again, write it all.
        kv = await openRoutesBucket(nc);
        await writeRouteTable(kv, undefined, next);
      }
      const diff = diffTables(prev, next);
      prev = next;
      nc.publish(
        subjects.routesUpdated,
        codecs.routesUpdated.encode({
          version: next.version,
          hash: hashTable(next),
          generatedAt: next.generatedAt,
          changed: { endpoints: diff.changedEndpoints, backends: diff.changedBackends },
        }),
      );
      return next.version;
    },
    publishHealth(service, backends) {
      nc.publish(
        subjects.health(service),
        codecs.health.encode({ service, status: "SERVING", backends, at: Date.now() }),
      );
    },
    async startRouter(env = {}) {
      const config = loadConfig({
        ROUTER_LISTEN: "127.0.0.1:0",
        ROUTER_ADMIN_LISTEN: "127.0.0.1:0",
        NATS_URL: nats.url,
        DRAIN_DELAY_MS: "0",
        DRAIN_TIMEOUT_MS: "2000",
        ROUTER_SLOW_START_MS: "0",
        ROUTER_RETRY_BASE_MS: "1",
        ROUTER_ID: "test-router",
        // A test that reads the access log names a file; stdout stays the test runner's.
        ROUTER_ACCESS_LOG: "off",
        ...env,
      });
      const logs = captureLogger("info");
      const router = await start(config, { logger: logs.logger });
      routers.push(router);
      const [address] = router.addresses;
      return {
        ...router,
        url: `http://127.0.0.1:${address?.port}`,
        admin: `http://127.0.0.1:${router.adminAddress.port}`,
        logs,
      };
    },
    async stop() {
      await Promise.all(routers.map((r) => r.stop()));
      await nc.close().catch(() => {});
      await nats.stop();
    },
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request through the router with the given Host. */
export async function get(
  url: string,
  host: string,
  opts: { path?: string; method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const res = await request(`${url}${opts.path ?? "/"}`, {
    method: (opts.method ?? "GET") as "GET",
    headers: { host, ...opts.headers },
    body: opts.body,
  });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

/**
 * Writes `head` on a fresh loopback connection as it is (hop-by-hop headers, PROXY headers, odd
 * targets go out exactly as written) and resolves with everything read until the connection closes
 * or one whole response (by Content-Length) has arrived; "" when the router closed without a word.
 */
export function rawRequest(port: number, head: string | Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(head));
    let data = "";
    socket.on("data", (chunk) => {
      data += chunk;
      const end = data.indexOf("\r\n\r\n");
      const length = /content-length: (\d+)/i.exec(data)?.[1];
      if (end >= 0 && length !== undefined && data.length >= end + 4 + Number(length)) socket.end();
    });
    socket.on("close", () => resolve(data));
    socket.on("error", (err: NodeJS.ErrnoException) =>
      err.code === "ECONNRESET" ? resolve(data) : reject(err),
    );
  });
}
