// WebSocket tunnels are bounded: ROUTER_MAX_TUNNELS at once (503 past it), closed after
// ROUTER_TUNNEL_IDLE_TIMEOUT_MS of silence both ways, and a client that stops reading holds
// back the backend instead of filling the router's memory.

import { waitUntil } from "@signalbox/bus/testing";
import { request } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { backendOf, endpoint, get } from "../harness.js";
import { useRouterSuite } from "../router-suite.js";
import { Figures, head, RawClients, sleep, WEBSOCKET_UPGRADE } from "./raw-client.js";

const IDLE_MS = 700;
const suite = useRouterSuite({ ROUTER_MAX_TUNNELS: "3", ROUTER_TUNNEL_IDLE_TIMEOUT_MS: String(IDLE_MS) });
let clients: RawClients | undefined;
const figures = new Figures(() => clients);
const sockets: WebSocket[] = [];
let wss: WebSocketServer | undefined;
afterAll(() => {
  for (const ws of sockets) ws.terminate();
  wss?.close();
  clients?.closeAll();
  figures.report("tunnels");
});

function open(path = "/"): Promise<WebSocket> {
  const ws = new WebSocket(`${suite.router.url.replace("http", "ws")}${path}`, {
    headers: { host: "ws.test" },
  });
  sockets.push(ws);
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.once("error", reject);
  });
}

async function tunnelGauge(): Promise<number> {
  const text = await (await request(`${suite.router.admin}/metrics`)).body.text();
  return Number(/^signalbox_router_tunnels (\d+)$/m.exec(text)?.[1]);
}

const closed = (ws: WebSocket) => new Promise<void>((resolve) => ws.once("close", () => resolve()));

describe("tunnel limits", () => {
  it("caps tunnels, closes idle ones, and holds a fast backend back for a slow reader", async () => {
    // Echo; "/flood" sends 64 MiB as fast as the socket takes it, counting what it could send.
    const backend = await suite.backend("ws");
    wss = new WebSocketServer({ server: backend.server });
    let flooded = 0;
    wss.on("connection", (ws, req) => {
      ws.on("message", (data) => ws.send(data));
      if (req.url !== "/flood") return;
      const frame = Buffer.alloc(64 * 1024, "f");
      const pump = () => {
        while (flooded < 1024 && ws.readyState === WebSocket.OPEN) {
          flooded += 1;
          ws.send(frame);
          if (ws.bufferedAmount > 1024 * 1024) return void setTimeout(pump, 20);
        }
      };
      pump();
    });
    await suite.publish([endpoint("ws.test", [{ selector: "" }])], [backendOf(backend)]);

    const three = await Promise.all([open(), open(), open()]);
    // The idle clock runs from the tunnels' last byte (the 101), not from the checks below,
    // which take long on a busy machine.
    const t0 = Date.now();
    await expect(open()).rejects.toThrow("status 503");
    expect(await tunnelGauge()).toBe(3);
    await figures.healthy(async () => (await get(suite.router.url, "ws.test")).status);
    // Idle: none of the three speaks, so all are closed once the idle timeout passed.
    await Promise.all(three.map(closed));
    const idleAfter = Date.now() - t0;
    expect(idleAfter).toBeGreaterThanOrEqual(IDLE_MS - 200);
    expect(idleAfter).toBeLessThan(IDLE_MS + 3000);
    // Every slot came back: the refused one's and the idle ones'.
    await waitUntil(async () => (await tunnelGauge()) === 0, "tunnel gauge back to 0", 5000);

    // A tunnel that talks stays open past the idle timeout, and the cap has room again.
    const talker = await open();
    const echoes: string[] = [];
    talker.on("message", (data) => echoes.push(String(data)));
    for (let i = 0; i < 8; i++) {
      talker.send(`ping ${i}`);
      await sleep(IDLE_MS / 4);
    }
    await waitUntil(() => echoes.length === 8, "eight echoes", 5000);
    expect(talker.readyState).toBe(WebSocket.OPEN);
    talker.close();
    await closed(talker);

    // A raw client that completes the handshake and never reads: back-pressure reaches the backend.
    clients = new RawClients(Number(new URL(suite.router.url).port));
    const reader = await clients.open();
    reader.socket.pause();
    await reader.write(head("GET", "/flood", "ws.test", WEBSOCKET_UPGRADE));
    // Longer than an unthrottled 64 MiB takes on loopback, shorter than the idle timeout.
    await sleep(500);
    expect(flooded).toBeLessThan(1024);
    console.log(`tunnels: a stalled reader let the backend send ${flooded} of 1024 frames of 64 KiB`);
    reader.socket.resume();
    // It did not read for a while, but it reads now: the tunnel carries the rest.
    await reader.waitFor(/^HTTP\/1\.1 101/);
    reader.reset();
    await waitUntil(async () => (await tunnelGauge()) === 0, "tunnel gauge back to 0", 5000);
    expect(figures.lostReasons).toEqual([]);
  });
});
