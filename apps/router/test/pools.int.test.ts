// The wait for a backend connection (BackendPools): at most `queue` requests wait, each at most
// `queueTimeoutMs` (a ManualClock here), oldest first; past either they are told `busy` at once.

import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ManualClock } from "@signalbox/backoff/testing";
import { waitUntil } from "@signalbox/bus/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackendPools, type PoolHandler } from "../src/forward/pools.js";

const held = new Map<string, ServerResponse>();
const seen: string[] = [];
const server = createServer((req, res) => {
  seen.push(req.url ?? "");
  held.set(req.url ?? "", res);
});
let address = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A handler that records how its request ended and gives its connection back as Exchange does. */
function handler(pools: BackendPools, ended: string[], name: string): PoolHandler {
  const h: PoolHandler = {
    holdsConnection: false,
    busy: () => ended.push(`${name} busy`),
    onConnect: () => {},
    onHeaders: () => true,
    onData: () => true,
    onComplete: () => {
      ended.push(`${name} done`);
      if (h.holdsConnection) pools.release("b", address);
    },
    onError: (err) => ended.push(`${name} error ${err.message}`),
  };
  return h;
}

describe("BackendPools wait", () => {
  it("bounds the queue and the wait, and hands a freed connection to the oldest waiter", async () => {
    const clock = new ManualClock();
    const pools = new BackendPools({
      connections: 1,
      connectTimeoutMs: 1000,
      headersTimeoutMs: 10_000,
      bodyTimeoutMs: 10_000,
      queue: 2,
      queueTimeoutMs: 1000,
      clock,
    });
    const ended: string[] = [];
    const send = (name: string) => {
      const h = handler(pools, ended, name);
      pools.dispatch("b", address, { path: `/${name}`, method: "GET", headers: [] }, h);
      return h;
    };
    try {
      const a = send("a");
      expect(a.holdsConnection).toBe(true);
      await waitUntil(() => seen.includes("/a"), "/a at the backend", 5000);
      const b = send("b");
      send("c");
      expect(b.holdsConnection).toBe(false);
      expect(pools.waiting("b")).toBe(2);
      send("d");
      expect(ended).toEqual(["d busy"]);
      clock.advance(999);
      expect(ended).toEqual(["d busy"]);
      clock.advance(1);
      expect(ended).toEqual(["d busy", "b busy", "c busy"]);
      expect(pools.waiting("b")).toBe(0);

      const e = send("e");
      const f = send("f");
      held.get("/a")?.end("a");
      await waitUntil(() => seen.includes("/e"), "/e at the backend", 5000);
      expect(e.holdsConnection).toBe(true);
      expect(f.holdsConnection).toBe(false);
      // The connection went to e: f waits still, and its own timer (not e's) can still expire it.
      clock.advance(1000);
      expect(ended).toEqual(["d busy", "b busy", "c busy", "a done", "f busy"]);
      held.get("/e")?.end("e");
      await waitUntil(() => ended.includes("e done"), "e done", 5000);
      expect(seen).toEqual(["/a", "/e"]);
    } finally {
      await pools.destroy();
    }
  });
});
