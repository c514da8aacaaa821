// The two-phase drain: readiness 503 while still accepting, then listeners closed, the slow request
// finishing with `Connection: close`, the WebSocket closed with 1001, counts logged; and the cut
// at DRAIN_TIMEOUT_MS.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { waitUntil } from "@signalbox/bus/testing";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { backendOf, endpoint, get, type Harness, startHarness } from "./harness.js";

let harness: Harness;
let server: Server;
let address: string;

beforeAll(async () => {
  harness = await startHarness();
  // One backend: /slow answers after 1500 ms, /forever never, anything else at once; WebSocket echo.
  server = createServer((req, res) => {
    const answer = () => res.end(`done ${req.url}`);
    if (req.url === "/slow") setTimeout(answer, 1500);
    else if (req.url !== "/forever") answer();
  });
  const wss = new WebSocketServer({ server });
  wss.on("connection", (ws) => ws.on("message", (data) => ws.send(`echo ${data}`)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await harness?.stop();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function readyStatus(admin: string): Promise<number> {
  const res = await request(`${admin}/readyz`);
  await res.body.text();
  return res.statusCode;
}

describe("router drain", () => {
  it("drains in two phases: slow request finishes, the WebSocket gets 1001, nothing is cut", async () => {
    const router = await harness.startRouter({ DRAIN_DELAY_MS: "800", DRAIN_TIMEOUT_MS: "5000" });
    const version = await harness.publish(
      [endpoint("drain.test", [{ selector: "" }])],
      [backendOf({ id: "b", address })],
    );
    await waitUntil(() => router.tableVersion() === version);

    const ws = new WebSocket(`${router.url.replace("http", "ws")}/socket`, {
      headers: { host: "drain.test" },
    });
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    const echoed = new Promise((resolve) => ws.once("message", (data) => resolve(String(data))));
    ws.send("hi");
    expect(await echoed).toBe("echo hi");
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));

    const slow = get(router.url, "drain.test", { path: "/slow" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopped = router.stop();
    // Phase 1: not ready, but still accepting.
    expect(await readyStatus(router.admin)).toBe(503);
    expect((await get(router.url, "drain.test", { path: "/quick" })).status).toBe(200);
    // Phase 2: the WebSocket is told 1001, the slow request ends with Connection: close.
    expect(await closed).toBe(1001);
    const slowAnswer = await slow;
    expect(slowAnswer.status).toBe(200);
    expect(slowAnswer.body).toBe("done /slow");
    expect(slowAnswer.headers.connection).toBe("close");
    // The listener no longer accepts.
    await expect(get(router.url, "drain.test")).rejects.toThrow();
    const report = await stopped;
    expect(report.cutAtDeadline).toBe(0);
    expect(report.open).toBeGreaterThanOrEqual(2);
    const messages = router.logs.messages();
    expect(messages).toContain("drain started: readiness 503");
    expect(router.logs.lines.find((l) => l.msg === "drain finished")).toMatchObject({ cutAtDeadline: 0 });
  }, 20_000);

  it("cuts what is still open at DRAIN_TIMEOUT_MS and says how many", async () => {
    const router = await harness.startRouter({ DRAIN_DELAY_MS: "0", DRAIN_TIMEOUT_MS: "300" });
    const version = await harness.publish(
      [endpoint("drain2.test", [{ selector: "" }])],
      [backendOf({ id: "b", address })],
    );
    await waitUntil(() => router.tableVersion() === version);
    const forever = get(router.url, "drain2.test", { path: "/forever" }).then(
      () => "answered",
      () => "cut",
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const startedAt = Date.now();
    const report = await router.stop();
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(250);
    expect(report.cutAtDeadline).toBe(1);
    expect(await forever).toBe("cut");
  });
});
