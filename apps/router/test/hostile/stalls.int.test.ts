// Stalled clients cannot pin the router: on a pool of two connections, an upload that stops
// and a download nobody reads hold both; healthy requests get 200 or a fast 503 backend-busy
// meanwhile (the wait for a connection is bounded in length and time), and once
// ROUTER_CLIENT_TIMEOUT_MS passes the stallers are cut, their backend exchanges aborted, and
// healthy requests get 200 again. Memory stays bounded throughout.

import { afterAll, describe, expect, it } from "vitest";
import { backendOf, endpoint, get } from "../harness.js";
import { useRouterSuite } from "../router-suite.js";
import { Figures, head, RawClients, sleep } from "./raw-client.js";

const CLIENT_TIMEOUT_MS = 1500;
const QUEUE_TIMEOUT_MS = 800;
const suite = useRouterSuite({
  ROUTER_POOL_CONNECTIONS: "2",
  ROUTER_POOL_QUEUE: "4",
  ROUTER_POOL_QUEUE_TIMEOUT_MS: String(QUEUE_TIMEOUT_MS),
  ROUTER_CLIENT_TIMEOUT_MS: String(CLIENT_TIMEOUT_MS),
});
let clients: RawClients | undefined;
const figures = new Figures(() => clients);
afterAll(() => {
  clients?.closeAll();
  figures.report("stalls");
});

const okOrBusy = (status: number) => status === 200 || status === 503;

describe("stalled clients", () => {
  it("cuts a stalled upload and an unread download, answering the rest 200 or a fast 503", async () => {
    // Exchanges the backend saw end early (its request or response closed before completing).
    const aborted: string[] = [];
    const backend = await suite.backend("web", (req, res) => {
      res.on("close", () => {
        if (!res.writableFinished) aborted.push(req.url ?? "");
      });
      if (req.url === "/download") {
        // 256 MiB in 64 KiB chunks, with back-pressure: only a reader that keeps up gets it all.
        const chunk = Buffer.alloc(64 * 1024, "d");
        let left = 4096;
        const pump = () => {
          while (left > 0 && !res.destroyed) {
            left -= 1;
            if (!res.write(chunk)) return void res.once("drain", pump);
          }
          res.end();
        };
        pump();
        return;
      }
      req.resume();
      req.on("end", () => res.end("ok"));
    });
    await suite.publish([endpoint("web.test", [{ selector: "" }])], [backendOf(backend)]);
    clients = new RawClients(Number(new URL(suite.router.url).port));
    const rssBefore = process.memoryUsage().rss;

    const uploader = await clients.open();
    await uploader.write(head("POST", "/upload", "web.test", ["content-length: 1000000"]));
    await uploader.write(Buffer.alloc(1000, "u"));
    const downloader = await clients.open();
    downloader.socket.pause();
    await downloader.write(head("GET", "/download", "web.test"));
    const stalledAt = Date.now();
    await sleep(200);

    // Both connections are pinned: ten at once, six find the queue of four full (503 at once),
    // four wait and get 503 at the queue timeout. None waits longer.
    const burst = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const t0 = Date.now();
        const answer = await get(suite.router.url, "web.test");
        return { status: answer.status, reason: answer.headers["x-signalbox-error"], ms: Date.now() - t0 };
      }),
    );
    expect(burst.map((b) => `${b.status} ${b.reason}`)).toEqual(Array(10).fill("503 backend-busy"));
    const waits = burst.map((b) => b.ms).sort((a, b) => a - b);
    expect(waits.slice(0, 6).every((ms) => ms < QUEUE_TIMEOUT_MS)).toBe(true);
    expect(waits.slice(6).every((ms) => ms >= QUEUE_TIMEOUT_MS - 50)).toBe(true);
    expect(waits[9]).toBeLessThan(QUEUE_TIMEOUT_MS + 1500);

    // The timeout counts from the last byte that moved (the kernel's buffers absorb some first).
    while (Date.now() - stalledAt < CLIENT_TIMEOUT_MS + 6000) {
      await figures.healthy(async () => (await get(suite.router.url, "web.test")).status, okOrBusy);
      if (aborted.length === 2) break;
      await sleep(50);
    }
    // Both backend exchanges were aborted once the client timeout passed.
    const cutAfter = Date.now() - stalledAt;
    expect(aborted.sort()).toEqual(["/download", "/upload"]);
    expect(cutAfter).toBeGreaterThanOrEqual(CLIENT_TIMEOUT_MS - 200);
    expect(cutAfter).toBeLessThan(CLIENT_TIMEOUT_MS + 6000);
    console.log(`stalls: stalled clients cut ${cutAfter} ms after they stalled`);
    // The paused downloader learns of the cut once it reads again; both got far less than asked.
    downloader.socket.resume();
    await Promise.all([uploader.closed, downloader.closed]);
    expect(downloader.received.length).toBeLessThan(64 * 1024 * 1024);
    for (let i = 0; i < 20; i++)
      await figures.healthy(async () => (await get(suite.router.url, "web.test")).status);
    expect(figures.lostReasons).toEqual([]);
    const grewMiB = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    console.log(`stalls: router and backend RSS grew ${grewMiB.toFixed(1)} MiB while stalled`);
    expect(grewMiB).toBeLessThan(64);
  });
});
