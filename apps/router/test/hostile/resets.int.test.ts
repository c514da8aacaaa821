// Resets at every stage of a request and of an upgrade: the router stays up and serves the next
// request every time (one reset WebSocket upgrade used to end the process with ECONNRESET).

import type { Duplex } from "node:stream";
import { waitUntil } from "@signalbox/bus/testing";
import { afterAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { backendOf, endpoint, get } from "../harness.js";
import { useRouterSuite } from "../router-suite.js";
import { Figures, head, RawClients, sleep, WEBSOCKET_UPGRADE } from "./raw-client.js";

const suite = useRouterSuite({ ROUTER_UPSTREAM_TIMEOUT_MS: "3000", ROUTER_RETRY_BASE_MS: "300" });
let clients: RawClients | undefined;
const figures = new Figures(() => clients);
const ROUNDS = 10;

afterAll(() => {
  clients?.closeAll();
  figures.report("resets");
});

/** Resets `ROUNDS` connections with `stage`, then checks a healthy request still gets 200. */
async function resetsAt(stage: (clients: RawClients) => Promise<void>): Promise<void> {
  clients ??= new RawClients(Number(new URL(suite.router.url).port));
  const open = clients;
  await Promise.all(Array.from({ length: ROUNDS }, () => stage(open)));
  await figures.healthy(async () => (await get(suite.router.url, "plain.test")).status);
}

describe("resets at every stage", () => {
  it("survives resets at every stage of a request", async () => {
    // /slow answers after 300 ms, /big streams 4 MiB, the rest echoes.
    const backend = await suite.backend("plain", (req, res) => {
      req.resume();
      if (req.url === "/slow") setTimeout(() => res.end("slow"), 300);
      else if (req.url === "/big") res.end(Buffer.alloc(4 * 1024 * 1024, "b"));
      else req.on("end", () => res.end("ok"));
    });
    await suite.publish([endpoint("plain.test", [{ selector: "" }])], [backendOf(backend)]);

    // During the head.
    await resetsAt(async (c) => {
      const client = await c.open();
      await client.write("GET / HTTP/1.1\r\nhost: plain.t");
      await sleep(20);
      client.reset();
    });
    // Right after the head.
    await resetsAt(async (c) => {
      const client = await c.open();
      await client.write(head("GET", "/", "plain.test"));
      client.reset();
    });
    // In the middle of the body.
    await resetsAt(async (c) => {
      const client = await c.open();
      await client.write(head("POST", "/", "plain.test", ["content-length: 100000"]));
      await client.write(Buffer.alloc(5000, "x"));
      await sleep(30);
      client.reset();
    });
    // While the backend thinks.
    await resetsAt(async (c) => {
      const client = await c.open();
      await client.write(head("GET", "/slow", "plain.test"));
      await sleep(100);
      client.reset();
    });
    // In the middle of the response.
    await resetsAt(async (c) => {
      const client = await c.open();
      await client.write(head("GET", "/big", "plain.test"));
      await client.waitFor(/^HTTP\/1\.1 200/);
      client.reset();
    });
    expect(figures.lostReasons).toEqual([]);
    expect((await get(suite.router.url, "plain.test", { path: "/big" })).body.length).toBe(4 * 1024 * 1024);
  });

  it("aborts the backend exchange of every pipelined request when their client goes", async () => {
    const started: string[] = [];
    const aborted: string[] = [];
    const backend = await suite.backend("thinker", (req, res) => {
      started.push(req.url ?? "");
      res.on("close", () => {
        if (!res.writableFinished) aborted.push(req.url ?? "");
      });
      setTimeout(() => res.end("late"), 5000).unref();
    });
    await suite.publish(
      [
        endpoint("plain.test", [{ selector: "role=plain" }]),
        endpoint("think.test", [{ selector: "role=think" }]),
      ],
      [backendOf(await suite.backend("plain3"), { role: "plain" }), backendOf(backend, { role: "think" })],
    );
    clients ??= new RawClients(Number(new URL(suite.router.url).port));
    const client = await clients.open();
    await client.write(["/a", "/b", "/c"].map((path) => head("GET", path, "think.test")).join(""));
    await waitUntil(() => started.length === 3, "three pipelined requests at the backend", 5000);
    client.reset();
    // At once, not when ROUTER_UPSTREAM_TIMEOUT_MS (3000 here) would have ended them anyway.
    await waitUntil(() => aborted.length === 3, "three backend exchanges aborted", 1500);
    expect(aborted.sort()).toEqual(["/a", "/b", "/c"]);
    await figures.healthy(async () => (await get(suite.router.url, "plain.test")).status);
  });

  it("survives resets at every stage of a WebSocket upgrade", async () => {
    // hold.test never completes its handshake; ws.test echoes; dial.test has a dead backend first.
    const held = new Set<Duplex>();
    const hold = await suite.backend("hold");
    hold.server.on("upgrade", (_req, socket) => held.add(socket));
    const ws = await suite.backend("ws");
    const wss = new WebSocketServer({ server: ws.server });
    wss.on("connection", (socket) => socket.on("message", (data) => socket.send(data)));
    const dead = await suite.backend("dead");
    await dead.kill();
    await suite.publish(
      [
        endpoint("plain.test", [{ selector: "role=plain" }]),
        endpoint("hold.test", [{ selector: "role=hold" }]),
        endpoint("ws.test", [{ selector: "role=ws" }]),
        endpoint("dial.test", [{ selector: "role=dial", strategy: "round-robin" }]),
      ],
      [
        backendOf(await suite.backend("plain2"), { role: "plain" }),
        backendOf(hold, { role: "hold" }),
        backendOf(ws, { role: "ws" }),
        backendOf(dead, { role: "dial" }),
        backendOf({ id: "ws-after-dead", address: ws.address }, { role: "dial" }),
      ],
    );
    // Refused (no endpoint, and a non-WebSocket token), reset as the answer goes out.
    await resetsAt(async (c) => {
      const client = await c.open();
      await client.write(head("GET", "/", "nowhere.test", WEBSOCKET_UPGRADE));
      client.reset();
    });
    await resetsAt(async (c) => {
      const client = await c.open();
      await client.write(head("GET", "/", "ws.test", ["connection: upgrade", "upgrade: h2c"]));
      client.reset();
    });
    // Right after the head, before the router even dialled.
    await resetsAt(async (c) => {
      const client = await c.open();
      await client.write(head("GET", "/", "ws.test", WEBSOCKET_UPGRADE));
      client.reset();
    });
    // While it dials: the first backend refuses and the retry waits its back-off (up to 300 ms).
    await resetsAt(async (c) => {
      const client = await c.open();
      await client.write(head("GET", "/", "dial.test", WEBSOCKET_UPGRADE));
      await sleep(5);
      client.reset();
    });
    // While it waits for the 101 (the HTTP server let go of the socket by then).
    await resetsAt(async (c) => {
      const client = await c.open();
      await client.write(head("GET", "/", "hold.test", WEBSOCKET_UPGRADE));
      await sleep(50);
      client.reset();
    });
    // Tunnelled.
    await resetsAt(async (c) => {
      const client = await c.open();
      await client.write(head("GET", "/", "ws.test", WEBSOCKET_UPGRADE));
      await client.waitFor(/^HTTP\/1\.1 101/);
      client.reset();
    });
    for (const socket of held) socket.destroy();
    wss.close();
    expect(figures.lostReasons).toEqual([]);
  });
});
