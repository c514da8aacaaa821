// Resets at every stage of a request and of an upgrade: the router stays up and serves the next
// request every time (one reset WebSocket upgrade used to end the process with ECONNRESET).

import { afterAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { backendOf, endpoint, get } from "../harness.js";
import { useRouterSuite } from "../router-suite.js";
import { head, RawClients, sleep, WEBSOCKET_UPGRADE } from "./raw-client.js";

const suite = useRouterSuite({ ROUTER_UPSTREAM_TIMEOUT_MS: "2000" });
let clients: RawClients;
afterAll(() => clients?.closeAll());

describe("resets at every stage", () => {
  it("survives a WebSocket upgrade reset right after its head", async () => {
    const backend = await suite.backend("ws");
    // The handshake never completes: the reset lands while the router waits for the 101.
    const held = new Set<import("node:stream").Duplex>();
    backend.server.on("upgrade", (_req, socket) => held.add(socket));
    await suite.publish([endpoint("ws.test", [{ selector: "" }])], [backendOf(backend)]);
    clients = new RawClients(Number(new URL(suite.router.url).port));
    for (let i = 0; i < 20; i++) {
      const client = await clients.open();
      await client.write(head("GET", "/socket", "ws.test", WEBSOCKET_UPGRADE));
      // Once the router holds the socket itself (the HTTP server let go of it at the upgrade).
      await sleep(20);
      client.reset();
    }
    await sleep(200);
    for (const socket of held) socket.destroy();
    expect((await get(suite.router.url, "ws.test")).status).toBe(200);
  });
});
