// Failure handling: every status the router answers itself, retries and passive ejection when a
// backend dies during load, and serving the last good table while NATS is down.

import { connect } from "node:net";
import { waitUntil } from "@signalbox/bus/testing";
import { Agent, request } from "undici";
import { describe, expect, it } from "vitest";
import { backendOf, endpoint, get } from "./harness.js";
import { useRouterSuite } from "./router-suite.js";

const suite = useRouterSuite({
  ROUTER_UPSTREAM_TIMEOUT_MS: "300",
  ROUTER_MAX_HEADER_BYTES: "2048",
  ROUTER_EJECT_AFTER: "2",
  ROUTER_EJECT_COOLDOWN_MS: "60000",
});

describe("router failure handling", () => {
  it("answers 404, 503, 502, 504, 429 and 431 itself, each with x-signalbox-error", async () => {
    const healthy = await suite.backend("ok");
    const dead = await suite.backend("dead");
    await dead.kill();
    const silent = await suite.backend("silent", () => {});
    await suite.publish(
      [
        endpoint("empty.test", [{ selector: "role=none" }]),
        endpoint("dead.test", [{ selector: "role=dead" }]),
        endpoint("slow.test", [{ selector: "role=silent" }]),
        endpoint("limited.test", [{ selector: "role=ok" }], {
          filters: [{ type: "rate-limit", ratePerSecond: 1, burst: 2 }],
        }),
      ],
      [
        backendOf(healthy, { role: "ok" }),
        backendOf(dead, { role: "dead" }),
        backendOf(silent, { role: "silent" }),
      ],
    );
    const expectError = async (host: string, status: number, reason: string) => {
      const answer = await get(suite.router.url, host);
      expect({ host, status: answer.status, reason: answer.headers["x-signalbox-error"] }).toEqual({
        host,
        status,
        reason,
      });
      expect(answer.body).toContain(reason);
      expect(answer.body).not.toMatch(/\bat \S+:\d+/);
      return answer;
    };
    await expectError("unknown.test", 404, "no-endpoint");
    await expectError("empty.test", 503, "no-healthy-backend");
    await expectError("dead.test", 502, "unreachable");
    await expectError("slow.test", 504, "timeout");
    expect((await get(suite.router.url, "limited.test")).status).toBe(200);
    expect((await get(suite.router.url, "limited.test")).status).toBe(200);
    const limited = await expectError("limited.test", 429, "rate-limited");
    expect(limited.headers["retry-after"]).toBe("1");
    const big = await get(suite.router.url, "limited.test", { headers: { "x-big": "x".repeat(4096) } }).catch(
      () => undefined,
    );
    expect(big?.status).toBe(431);
    expect(big?.headers["x-signalbox-error"]).toBe("header-too-large");
  });

  it("answers 400 to a malformed request on the raw socket", async () => {
    const port = new URL(suite.router.url).port;
    const text = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), "127.0.0.1", () => socket.write("NOT HTTP AT ALL\r\n\r\n"));
      let data = "";
      socket.on("data", (chunk) => {
        data += chunk;
      });
      socket.on("close", () => resolve(data));
    });
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toContain("x-signalbox-error: bad-request");
  });

  it("loses no GET when a backend is killed during load, and ejects it", async () => {
    const survivor = await suite.backend("survivor");
    const victim = await suite.backend("victim");
    await suite.publish(
      [endpoint("kill.test", [{ selector: "" }])],
      [backendOf(survivor), backendOf(victim)],
    );
    const agent = new Agent({ connections: 16 });
    const statuses: number[] = [];
    let sent = 0;
    const worker = async () => {
      while (sent < 3000) {
        sent += 1;
        if (sent === 1000) void victim.kill();
        const res = await request(`${suite.router.url}/`, {
          dispatcher: agent,
          headers: { host: "kill.test" },
        });
        await res.body.text();
        statuses.push(res.statusCode);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await agent.close();
    expect(statuses.length).toBe(3000);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(victim.hits).toBeGreaterThan(100);
    const routes = (await (await request(`${suite.router.admin}/routes`)).body.json()) as {
      endpoints: { routes: { backends: { id: string; ejected: boolean }[] }[] }[];
    };
    const states = routes.endpoints.flatMap((e) => e.routes.flatMap((r) => r.backends));
    expect(states).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: "victim", ejected: true }),
        expect.objectContaining({ id: "survivor", ejected: false }),
      ]),
    );
    const metrics = await (await request(`${suite.router.admin}/metrics`)).body.text();
    expect(metrics).toMatch(/signalbox_router_retries_total [1-9]/);
  });

  it("never retries a POST with a body once it may have reached a backend", async () => {
    let seen = 0;
    const resetter = await suite.backend("resetter", (req) => {
      seen += 1;
      req.socket.destroy();
    });
    const other = await suite.backend("other");
    await suite.publish([endpoint("post.test", [{ selector: "" }])], [backendOf(resetter), backendOf(other)]);
    let failed = 0;
    for (let i = 0; i < 4; i++) {
      const res = await request(`${suite.router.url}/`, {
        method: "POST",
        body: "payload",
        headers: { host: "post.test" },
      });
      await res.body.text();
      if (res.statusCode === 502) failed += 1;
      else expect(res.statusCode).toBe(200);
    }
    // Round robin sends half to the resetter; each of those fails once, never replayed on `other`.
    expect(failed).toBe(seen);
    expect(failed).toBeGreaterThan(0);
    // A GET without a body to the same pair never fails: the reset is retried on the other backend.
    for (let i = 0; i < 4; i++) expect((await get(suite.router.url, "post.test")).status).toBe(200);
  });
});

describe("router without NATS", () => {
  it("keeps serving the last good table while NATS is down and catches up when it is back", async () => {
    const b = await suite.backend("steady");
    await suite.publish([endpoint("steady.test", [{ selector: "" }])], [backendOf(b)]);
    let restarted = false;
    const restarting = suite.harness.nats.restart().then(() => {
      restarted = true;
    });
    const during: number[] = [];
    // Requests all through the outage, until the server answers again.
    while (!restarted) during.push((await get(suite.router.url, "steady.test")).status);
    await restarting;
    expect(during.length).toBeGreaterThan(10);
    expect(during.filter((s) => s !== 200)).toEqual([]);
    const next = await suite.harness.publish(
      [endpoint("steady.test", [{ selector: "" }]), endpoint("after.test", [{ selector: "" }])],
      [backendOf(b)],
    );
    await waitUntil(
      () => suite.router.tableVersion() === next,
      "the table written after the restart",
      15_000,
    );
    expect((await get(suite.router.url, "after.test")).status).toBe(200);
    const ready = await request(`${suite.router.admin}/readyz`);
    expect(ready.statusCode).toBe(200);
    await ready.body.text();
  }, 30_000);
});
