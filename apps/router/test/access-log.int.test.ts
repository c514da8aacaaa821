// The access log against a real router and backends, written to a file: the line of a proxied
// request, a retried one, router-made 404 and 503, sampling, the query flag and SIGHUP reopening.

import { mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitUntil } from "@signalbox/bus/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { backendOf, endpoint, get, startBackend, type TestBackend, type TestRouter } from "./harness.js";
import { useRouterSuite } from "./router-suite.js";

const dir = mkdtempSync(join(tmpdir(), "sb-access-log-"));
const logFile = join(dir, "access.log");
const suite = useRouterSuite({ ROUTER_ACCESS_LOG: logFile });
let live: TestBackend;
let dead: TestBackend;
let socket: TestBackend;
let sampled: TestRouter;
const sampledFile = join(dir, "sampled.log");

type Line = Record<string, unknown>;

function linesOf(file: string): Line[] {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Line);
}

/** Waits for the line with `requestId` in `file` and returns it. */
async function lineOf(requestId: string, file = logFile): Promise<Line> {
  let found: Line | undefined;
  await waitUntil(
    () => {
      found = linesOf(file).find((l) => l.requestId === requestId);
      return found !== undefined;
    },
    `access-log line ${requestId}`,
    5000,
  );
  return found as Line;
}

beforeAll(async () => {
  live = await suite.backend("b-live");
  socket = await suite.backend("ws");
  new WebSocketServer({ server: socket.server }).on("connection", (ws) =>
    ws.on("message", (data) => ws.send(`echo ${data}`)),
  );
  // A backend that is gone: its port refuses connections, so the dial fails and is retried.
  dead = await startBackend("a-dead");
  await dead.kill();
  await suite.publish(
    [
      endpoint("log.test/api", [{ selector: "id=b-live" }]),
      endpoint("retry.test", [{ selector: "pool=both" }]),
      endpoint("empty.test", [{ selector: "id=nobody" }]),
      endpoint("ws.test", [{ selector: "id=ws" }]),
    ],
    [
      backendOf(live, { id: "b-live", pool: "both" }),
      backendOf(dead, { id: "a-dead", pool: "both" }),
      backendOf(socket, { id: "ws" }),
    ],
  );
  suite.harness.publishHealth("/web", { "b-live": "SERVING" });
  sampled = await suite.harness.startRouter({
    ROUTER_ACCESS_LOG: sampledFile,
    ROUTER_ACCESS_LOG_SAMPLE: "3",
    ROUTER_ACCESS_LOG_QUERY: "true",
    ROUTER_ID: "sampled-router",
  });
  await waitUntil(
    () => sampled.tableVersion() === suite.router.tableVersion(),
    "sampled router's table",
    5000,
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("router access log", () => {
  it("writes every field of a proxied request, without the query string", async () => {
    await waitUntil(async () => {
      const probe = await get(suite.router.url, "log.test", { path: "/api/probe" });
      return probe.status === 200;
    }, "first proxied answer");
    const before = Date.now();
    const answer = await get(suite.router.url, "log.test", {
      path: "/api/items?token=secret",
      headers: { "x-request-id": "req-proxied" },
    });
    expect(answer.status).toBe(200);
    const line = await lineOf("req-proxied");
    expect(Object.keys(line).sort()).toEqual(
      [
        "time",
        "requestId",
        "traceId",
        "client",
        "method",
        "host",
        "path",
        "protocol",
        "scheme",
        "status",
        "bytesIn",
        "bytesOut",
        "durationMs",
        "upstreamMs",
        "endpoint",
        "route",
        "backend",
        "service",
        "strategy",
        "attempts",
        "retries",
        "verdict",
        "tableVersion",
        "error",
      ].sort(),
    );
    expect(Date.parse(line.time as string)).toBeGreaterThanOrEqual(before - 1000);
    expect(line).toMatchObject({
      requestId: "req-proxied",
      traceId: null,
      client: "127.0.0.1",
      method: "GET",
      host: "log.test",
      path: "/api/items",
      protocol: "HTTP/1.1",
      scheme: "http",
      status: 200,
      bytesIn: 0,
      endpoint: "log.test/api",
      route: "route000",
      backend: "b-live",
      service: "/web",
      strategy: "round-robin",
      attempts: 1,
      retries: null,
      verdict: "SERVING",
      tableVersion: suite.router.tableVersion(),
      error: null,
    });
    // The head and the echoed body went out on the socket.
    expect(line.bytesOut as number).toBeGreaterThan(Buffer.byteLength(answer.body));
    expect(line.upstreamMs as number).toBeGreaterThan(0);
    expect(line.durationMs as number).toBeGreaterThanOrEqual(line.upstreamMs as number);
    expect(readFileSync(logFile, "utf8")).not.toContain("secret");
  });

  it("counts a POST body in bytesIn", async () => {
    const answer = await get(suite.router.url, "log.test", {
      path: "/api/post",
      method: "POST",
      headers: { "x-request-id": "req-post" },
      body: "hello world",
    });
    expect(answer.status).toBe(200);
    expect(await lineOf("req-post")).toMatchObject({ method: "POST", bytesIn: 11, status: 200 });
  });

  it("lists the retried attempt and its reason", async () => {
    // Round robin over a-dead and b-live: within two requests one goes to a-dead first.
    for (const id of ["req-retry-1", "req-retry-2"]) {
      const answer = await get(suite.router.url, "retry.test", { headers: { "x-request-id": id } });
      expect(answer.status).toBe(200);
    }
    const lines = [await lineOf("req-retry-1"), await lineOf("req-retry-2")];
    const retried = lines.find((l) => l.attempts === 2);
    expect(retried).toMatchObject({
      status: 200,
      backend: "b-live",
      endpoint: "retry.test",
      retries: [{ backend: "a-dead", reason: "unreachable" }],
      error: null,
    });
    expect(lines.find((l) => l.attempts === 1)).toMatchObject({ backend: "b-live", retries: null });
  });

  it("logs the router's own 404 and 503 with their reasons", async () => {
    const notFound = await get(suite.router.url, "nowhere.test", {
      path: "/x",
      headers: { "x-request-id": "req-404" },
    });
    expect(notFound.status).toBe(404);
    expect(await lineOf("req-404")).toMatchObject({
      status: 404,
      error: "no-endpoint",
      host: "nowhere.test",
      path: "/x",
      client: "127.0.0.1",
      endpoint: null,
      route: null,
      backend: null,
      upstreamMs: null,
      attempts: 0,
      tableVersion: suite.router.tableVersion(),
    });
    const unavailable = await get(suite.router.url, "empty.test", { headers: { "x-request-id": "req-503" } });
    expect(unavailable.status).toBe(503);
    const line = await lineOf("req-503");
    expect(line).toMatchObject({
      status: 503,
      error: "no-healthy-backend",
      endpoint: "empty.test",
      backend: null,
    });
    expect(line.bytesOut as number).toBeGreaterThan(Buffer.byteLength(unavailable.body));
  });

  it("writes a line for a WebSocket upgrade when the backend answered 101", async () => {
    const ws = new WebSocket(`${suite.router.url.replace("http", "ws")}/chat?room=secret`, {
      headers: { host: "ws.test", "x-request-id": "req-upgrade" },
    });
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    const echoed = new Promise((resolve) => ws.once("message", (data) => resolve(String(data))));
    ws.send("hi");
    expect(await echoed).toBe("echo hi");
    ws.close();
    expect(await lineOf("req-upgrade")).toMatchObject({
      status: 101,
      method: "GET",
      host: "ws.test",
      path: "/chat",
      endpoint: "ws.test",
      backend: "ws",
      attempts: 1,
      error: null,
    });
  });

  it("samples 1 in N of the 2xx answers but keeps every 4xx, with the query when asked", async () => {
    const ids = ["s1", "s2", "s3", "s4", "s5", "s6"];
    for (const id of ids) {
      const answer = await get(sampled.url, "log.test", {
        path: `/api/s?n=${id}`,
        headers: { "x-request-id": id },
      });
      expect(answer.status).toBe(200);
    }
    const missing = await get(sampled.url, "nowhere.test", { headers: { "x-request-id": "s-404" } });
    expect(missing.status).toBe(404);
    await lineOf("s-404", sampledFile);
    const logged = linesOf(sampledFile).filter((l) => ids.includes(l.requestId as string));
    // 1 in 3 of six 200s: the third and the sixth; the others are sampled out.
    expect(logged.map((l) => l.requestId)).toEqual(["s3", "s6"]);
    expect(logged[0]?.path).toBe("/api/s?n=s3");
  });

  it("reopens its file on SIGHUP (logrotate moves it first)", async () => {
    await get(suite.router.url, "log.test", { path: "/api/a", headers: { "x-request-id": "before-hup" } });
    await lineOf("before-hup");
    const rotated = join(dir, "access.log.1");
    renameSync(logFile, rotated);
    process.kill(process.pid, "SIGHUP");
    await waitUntil(async () => {
      await get(suite.router.url, "log.test", { path: "/api/b", headers: { "x-request-id": "after-hup" } });
      return linesOf(logFile).some((l) => l.requestId === "after-hup");
    }, "a line in the reopened file");
    expect(linesOf(rotated).some((l) => l.requestId === "before-hup")).toBe(true);
  });
});
