// Upgrades are not a tunnel for anything: non-WebSocket tokens are refused with 400, and a
// request pipelined behind an upgrade the backend refused (200, 400) never reaches a backend.

import type { Duplex } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { backendOf, endpoint, get } from "../harness.js";
import { useRouterSuite } from "../router-suite.js";
import { Figures, head, RawClients, WEBSOCKET_UPGRADE } from "./raw-client.js";

const suite = useRouterSuite();
let clients: RawClients | undefined;
const figures = new Figures(() => clients);
afterAll(() => {
  clients?.closeAll();
  figures.report("upgrade smuggling");
});

const SMUGGLED = head("GET", "/smuggled", "refuse.test");

describe("upgrade smuggling", () => {
  it("refuses non-WebSocket upgrades and never forwards what follows a refused upgrade", async () => {
    // Every path the backend saw, from requests and from bytes on upgraded sockets.
    const seen: string[] = [];
    const sockets = new Set<Duplex>();
    const backend = await suite.backend("refuser", (req, res) => {
      seen.push(`request ${req.url}`);
      req.resume();
      res.end("ok");
    });
    backend.server.on("upgrade", (req, socket: Duplex) => {
      sockets.add(socket);
      seen.push(`upgrade ${req.url}`);
      socket.on("data", (chunk: Buffer) => seen.push(`bytes ${chunk.toString("latin1")}`));
      const status = req.url === "/400" ? "400 Bad Request" : "200 OK";
      // A keep-alive answer: were the router to pipe, the smuggled request would arrive here.
      socket.write(`HTTP/1.1 ${status}\r\ncontent-length: 7\r\nx-from: backend\r\n\r\nno ws\r\n`);
    });
    await suite.publish([endpoint("refuse.test", [{ selector: "" }])], [backendOf(backend)]);
    clients = new RawClients(Number(new URL(suite.router.url).port));

    for (const token of ["h2c", "TLS/1.2", "websocket, h2c", "x-anything"]) {
      const client = await clients.open();
      await client.write(
        `GET /up HTTP/1.1\r\nhost: refuse.test\r\nconnection: upgrade, http2-settings\r\nupgrade: ${token}\r\n` +
          `http2-settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n${SMUGGLED}`,
      );
      await client.closed;
      expect({ token, answer: client.received.split("\r\n")[0] }).toEqual({
        token,
        answer: "HTTP/1.1 400 Bad Request",
      });
      expect(client.received).toContain("x-signalbox-error: upgrade-refused");
      expect(client.received.match(/HTTP\/1\.1/g)).toHaveLength(1);
    }
    expect(seen).toEqual([]);

    for (const path of ["/200", "/400"]) {
      const client = await clients.open();
      // Head and smuggled request in one segment: the router must not read past the head.
      await client.write(head("GET", path, "refuse.test", WEBSOCKET_UPGRADE) + SMUGGLED);
      await client.closed;
      expect(client.received).toMatch(new RegExp(`^HTTP/1\\.1 ${path.slice(1)} `));
      expect(client.received).toContain("x-from: backend");
      expect(client.received).toContain("connection: close");
      expect(client.received.match(/HTTP\/1\.1/g)).toHaveLength(1);
      await figures.healthy(
        async () => (await get(suite.router.url, "refuse.test", { path: "/next" })).status,
      );
    }
    for (const socket of sockets) socket.destroy();
    expect(seen).toEqual(["upgrade /200", "request /next", "upgrade /400", "request /next"]);
    expect(figures.lostReasons).toEqual([]);
  });
});
