// Slowloris: hundreds of connections dribbling their headers one byte at a time. Healthy requests
// keep answering meanwhile, and every dribbler (and every connection that sends nothing) is cut
// once ROUTER_HEADER_TIMEOUT_MS is over.

import { afterAll, describe, expect, it } from "vitest";
import { backendOf, endpoint, get } from "../harness.js";
import { useRouterSuite } from "../router-suite.js";
import { Figures, RawClients, sleep } from "./raw-client.js";

const HEADER_TIMEOUT_MS = 1000;
const DRIBBLERS = 300;
const SILENT = 50;
const suite = useRouterSuite({ ROUTER_HEADER_TIMEOUT_MS: String(HEADER_TIMEOUT_MS) });
let clients: RawClients | undefined;
const figures = new Figures(() => clients);
afterAll(() => {
  clients?.closeAll();
  figures.report("slowloris");
});

describe("slowloris", () => {
  it("answers healthy requests while hundreds dribble headers, and cuts the dribblers", async () => {
    const backend = await suite.backend("web");
    await suite.publish([endpoint("web.test", [{ selector: "" }])], [backendOf(backend)]);
    clients = new RawClients(Number(new URL(suite.router.url).port));
    const started = Date.now();
    const dribblers = await Promise.all(Array.from({ length: DRIBBLERS }, () => clients?.open()));
    // And some that connect and never send a byte.
    const silent = await Promise.all(Array.from({ length: SILENT }, () => clients?.open()));
    let dribbling = true;
    const dribble = (async () => {
      const text = "GET / HTTP/1.1\r\nhost: web.test\r\nx-slow: ".split("");
      for (let i = 0; dribbling; i++) {
        for (const client of dribblers) {
          if (client !== undefined && !client.socket.destroyed) client.socket.write(text[i] ?? "a");
        }
        await sleep(100);
      }
    })();
    const slowest: number[] = [];
    while (Date.now() - started < HEADER_TIMEOUT_MS + 500) {
      const t0 = Date.now();
      await figures.healthy(async () => (await get(suite.router.url, "web.test")).status);
      slowest.push(Date.now() - t0);
      await sleep(20);
    }
    // Every dribbler is cut once the header timeout passed (the check runs every second).
    await Promise.all([...dribblers, ...silent].map((client) => client?.closed));
    const cutAfter = Date.now() - started;
    dribbling = false;
    await dribble;
    expect(figures.lostReasons).toEqual([]);
    expect(figures.healthySent).toBeGreaterThan(10);
    expect(Math.max(...slowest)).toBeLessThan(2000);
    expect(cutAfter).toBeGreaterThanOrEqual(HEADER_TIMEOUT_MS);
    expect(cutAfter).toBeLessThan(HEADER_TIMEOUT_MS + 5000);
    const answered = dribblers.filter((client) => client?.received.startsWith("HTTP/1.1 408 ")).length;
    expect(answered).toBe(DRIBBLERS);
    expect(backend.hits).toBe(figures.healthySent);
  });
});
