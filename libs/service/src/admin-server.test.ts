import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import {
  type AdminServer,
  type AdminServerOptions,
  sendJson,
  sendText,
  startAdminServer,
} from "./admin-server.js";

const running: AdminServer[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()));
});

/** An admin server on a loopback port 0, stopped after the test; `extra` overrides the defaults. */
async function start(extra: Partial<AdminServerOptions> = {}): Promise<{ base: string }> {
  const server = await startAdminServer({
    listen: { host: "127.0.0.1", port: 0 },
    registry: new Registry(),
    health: () => ({ tableVersion: 3 }),
    ...extra,
  });
  running.push(server);
  return { base: `http://127.0.0.1:${server.address.port}` };
}

describe("startAdminServer", () => {
  it("binds port 0 to a real port and reports it", async () => {
    const registry = new Registry();
    const server = await startAdminServer({
      listen: { host: "127.0.0.1", port: 0 },
      registry,
      health: () => ({}),
    });
    running.push(server);
    expect(server.address.host).toBe("127.0.0.1");
    expect(server.address.port).toBeGreaterThan(0);
  });

  it("serves /healthz as JSON with status ok and the service's fields, read on each request", async () => {
    let version = 1;
    const { base } = await start({ health: () => ({ tableVersion: version }) });
    const first = await fetch(`${base}/healthz`);
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toBe("application/json");
    expect(await first.json()).toEqual({ status: "ok", tableVersion: 1 });
    version = 2;
    expect(await (await fetch(`${base}/healthz?verbose=1`)).json()).toEqual({
      status: "ok",
      tableVersion: 2,
    });
  });

  it("serves the given registry on /metrics in the Prometheus text format", async () => {
    const registry = new Registry();
    new Counter({ name: "test_admin_hits_total", help: "hits", registers: [registry] }).inc(4);
    const { base } = await start({ registry });
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(registry.contentType);
    expect(await res.text()).toContain("test_admin_hits_total 4");
  });

  it("serves extra GET paths with the parsed URL, but never replaces /healthz or /metrics", async () => {
    const { base } = await start({
      routes: {
        "/readyz": (_req, res) => sendText(res, 503, "draining\n"),
        "/explain": async (_req, res, url) => sendJson(res, 200, { url: url.searchParams.get("url") }),
        "/healthz": (_req, res) => sendText(res, 500, "replaced\n"),
      },
    });
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([503, "draining\n"]);
    const explained = await fetch(`${base}/explain?url=${encodeURIComponent("http://a.test/x?y=1")}`);
    expect(await explained.json()).toEqual({ url: "http://a.test/x?y=1" });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it("answers 404 listing the known paths, and 405 to anything but GET and HEAD", async () => {
    const { base } = await start({ routes: { "/readyz": (_req, res) => sendText(res, 200, "ok\n") } });
    const missing = await fetch(`${base}/nope`);
    expect([missing.status, await missing.text()]).toEqual([
      404,
      "not found: try /healthz /metrics /readyz\n",
    ]);
    const posted = await fetch(`${base}/healthz`, { method: "POST", body: "x" });
    expect([posted.status, posted.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
    const head = await fetch(`${base}/readyz`, { method: "HEAD" });
    expect(head.status).toBe(200);
  });

  it("answers 500 with the message when a route throws or rejects, and keeps serving", async () => {
    const { base } = await start({
      routes: {
        "/throws": () => {
          throw new Error("table exploded");
        },
        "/rejects": async () => {
          throw new Error("metrics exploded");
        },
      },
    });
    const thrown = await fetch(`${base}/throws`);
    expect([thrown.status, await thrown.text()]).toEqual([500, "admin error: table exploded\n"]);
    const rejected = await fetch(`${base}/rejects`);
    expect([rejected.status, await rejected.text()]).toEqual([500, "admin error: metrics exploded\n"]);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it("rejects with the listen error when the port is taken", async () => {
    const blocker = createServer();
    blocker.listen(0, "127.0.0.1");
    await once(blocker, "listening");
    try {
      const { port } = blocker.address() as AddressInfo;
      await expect(
        startAdminServer({
          listen: { host: "127.0.0.1", port },
          registry: new Registry(),
          health: () => ({}),
        }),
      ).rejects.toMatchObject({ code: "EADDRINUSE" });
    } finally {
      blocker.close();
    }
  });

  it("stop() closes the listener and cuts kept-alive connections", async () => {
    const server = await startAdminServer({
      listen: { host: "127.0.0.1", port: 0 },
      registry: new Registry(),
      health: () => ({}),
    });
    const base = `http://127.0.0.1:${server.address.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await server.stop();
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    await server.stop();
  });
});
