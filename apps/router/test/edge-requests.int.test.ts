// What reaches a backend from a hostile or odd request head, over real sockets: malformed and
// repeated Hosts (400, no backend), dot-segments (matched and forwarded removed), absolute-form
// targets, forwarding headers from untrusted and trusted peers, and PROXY protocol v1/v2 listeners.
// Three routers share one table: `open` trusts nobody, `behindProxy` trusts loopback and has a
// PROXY listener, `strangerProxy` has a PROXY listener but trusts only 192.0.2.0/24.

import { findFreePorts, waitUntil } from "@signalbox/bus/testing";
import { request } from "undici";
import { beforeAll, describe, expect, it } from "vitest";
import { backendOf, endpoint, rawRequest, type TestBackend, type TestRouter } from "./harness.js";
import { useRouterSuite } from "./router-suite.js";

const suite = useRouterSuite();
let behindProxy: TestRouter;
let strangerProxy: TestRouter;
let site: TestBackend;
let admin: TestBackend;

beforeAll(async () => {
  site = await suite.backend("site");
  admin = await suite.backend("admin");
  const [closedPort] = await findFreePorts(1);
  behindProxy = await suite.harness.startRouter({
    ROUTER_TRUSTED_PROXIES: "127.0.0.1/32",
    ROUTER_PROXY_PROTOCOL_LISTEN: "127.0.0.1:0",
    ROUTER_HEADER_TIMEOUT_MS: "1000",
  });
  strangerProxy = await suite.harness.startRouter({
    ROUTER_TRUSTED_PROXIES: "192.0.2.0/24",
    ROUTER_PROXY_PROTOCOL_LISTEN: "127.0.0.1:0",
  });
  const version = await suite.publish(
    [
      endpoint("a.test", [{ selector: "role=site" }]),
      endpoint("evil.test", [{ selector: "role=site" }]),
      endpoint("*.wild.test", [{ selector: "role=site" }]),
      endpoint("dots.test/public", [{ selector: "role=site" }]),
      endpoint("dots.test/admin", [{ selector: "role=admin" }]),
      endpoint("secure.test", [{ selector: "role=site" }], { filters: [{ type: "redirect-https" }] }),
      endpoint("dead.test", [{ selector: "role=dead" }]),
      endpoint("badfilter.test", [{ selector: "role=site" }], {
        filters: [{ type: "request-headers", set: { Connection: "close" } }],
      }),
      endpoint("limited.test", [{ selector: "role=site" }], {
        filters: [{ type: "rate-limit", ratePerSecond: 0.001, burst: 1 }],
      }),
    ],
    [
      backendOf(site, { role: "site" }),
      backendOf(admin, { role: "admin" }),
      backendOf({ id: "dead", address: `127.0.0.1:${closedPort}` }, { role: "dead" }),
    ],
  );
  await waitUntil(
    () => behindProxy.tableVersion() === version && strangerProxy.tableVersion() === version,
    "every router on the table",
    5000,
  );
});

const portOf = (router: TestRouter) => Number(new URL(router.url).port);
const proxyPortOf = (router: TestRouter) => router.proxyProtocolAddresses[0]?.port as number;

interface Reply {
  status: number;
  head: string;
  /** What the echo backend saw; undefined when the router answered itself. */
  seen: { backend: string; url: string; headers: Record<string, string> } | undefined;
}

function parse(reply: string): Reply {
  const end = reply.indexOf("\r\n\r\n");
  const head = reply.slice(0, end);
  const body = reply.slice(end + 4);
  const fromRouter = /x-signalbox-error/i.test(head) || !body.startsWith("{");
  return { status: Number(reply.split(" ")[1]), head, seen: fromRouter ? undefined : JSON.parse(body) };
}

/** One request with `lines` as its head (request line first) on `port`. */
async function send(port: number, ...lines: string[]): Promise<Reply> {
  return parse(await rawRequest(port, `${lines.join("\r\n")}\r\nConnection: close\r\n\r\n`));
}

const hits = () => site.hits + admin.hits;

describe("Host validation", () => {
  it.each([
    ["a.test:@evil.test", ["Host: a.test:@evil.test"]],
    ["evil.test/.wild.test", ["Host: evil.test/.wild.test"]],
    ["two Host headers", ["Host: a.test", "Host: evil.test"]],
    ["a port that is no number", ["Host: a.test:http"]],
    ["a user part", ["Host: user@a.test"]],
  ])("answers 400 bad-host to %s and reaches no backend", async (_what, hosts) => {
    const before = hits();
    const reply = await send(portOf(suite.router), "GET / HTTP/1.1", ...hosts);
    expect(reply.status).toBe(400);
    expect(reply.head).toMatch(/x-signalbox-error: bad-host/i);
    expect(hits()).toBe(before);
  });

  it("redirects by the validated host only: a Host redirect-https would have trusted gets 400", async () => {
    const bad = await send(portOf(suite.router), "GET /x HTTP/1.1", "Host: secure.test:@evil.test");
    expect(bad.status).toBe(400);
    expect(bad.head).not.toMatch(/location/i);
    const good = await send(portOf(suite.router), "GET /x/../y HTTP/1.1", "Host: SECURE.test.:8080");
    expect(good.status).toBe(301);
    expect(good.head).toMatch(/location: https:\/\/secure\.test\/y\r?$/im);
  });
});

describe("paths", () => {
  it.each([
    ["/public/../admin/secret", "/admin/secret"],
    ["/public/%2e%2e/admin/secret?q=1", "/admin/secret?q=1"],
    ["/public/./x/.%2E/../admin/", "/admin/"],
  ])("matches and forwards %s as %s", async (target, path) => {
    const reply = await send(portOf(suite.router), `GET ${target} HTTP/1.1`, "Host: dots.test");
    expect(reply.status).toBe(200);
    expect(reply.seen?.backend).toBe("admin");
    expect(reply.seen?.url).toBe(path);
  });

  it.each(["/../admin", "/public/../../etc/passwd", "/%2e%2e/admin"])(
    "answers 400 bad-target to %s, which climbs above /",
    async (target) => {
      const before = hits();
      const reply = await send(portOf(suite.router), `GET ${target} HTTP/1.1`, "Host: dots.test");
      expect(reply.status).toBe(400);
      expect(reply.head).toMatch(/x-signalbox-error: bad-target/i);
      expect(hits()).toBe(before);
    },
  );

  it("routes an absolute-form target by its authority and forwards it in origin-form", async () => {
    const reply = await send(
      portOf(suite.router),
      "GET http://dots.test/admin/../admin/x?y=1 HTTP/1.1",
      "Host: other.test",
    );
    expect(reply.status).toBe(200);
    expect(reply.seen?.backend).toBe("admin");
    expect(reply.seen?.url).toBe("/admin/x?y=1");
    expect(reply.seen?.headers.host).toBe("dots.test");
  });

  it("refuses an absolute-form target with a user part", async () => {
    const reply = await send(portOf(suite.router), "GET http://a.test@evil.test/ HTTP/1.1", "Host: a.test");
    expect(reply.status).toBe(400);
  });
});

const spoofed = [
  "X-Forwarded-For: 203.0.113.7",
  "X-Forwarded-Host: evil.test",
  "X-Forwarded-Proto: https",
  "Forwarded: for=203.0.113.7;proto=https",
  "X-Real-IP: 203.0.113.7",
];

describe("forwarding headers", () => {
  it("replaces an untrusted peer's forwarding headers by what the router saw", async () => {
    const reply = await send(portOf(suite.router), "GET / HTTP/1.1", "Host: a.test", ...spoofed);
    const h = reply.seen?.headers ?? {};
    expect(h["x-forwarded-for"]).toBe("127.0.0.1");
    expect(h["x-forwarded-host"]).toBe("a.test");
    expect(h["x-forwarded-proto"]).toBe("http");
    expect(h.forwarded).toBe("for=127.0.0.1;host=a.test;proto=http");
    expect(h["x-real-ip"]).toBe("127.0.0.1");
  });

  it("keeps a trusted peer's forwarding headers and appends itself", async () => {
    const reply = await send(portOf(behindProxy), "GET / HTTP/1.1", "Host: a.test", ...spoofed);
    const h = reply.seen?.headers ?? {};
    expect(h["x-forwarded-for"]).toBe("203.0.113.7, 127.0.0.1");
    expect(h["x-forwarded-host"]).toBe("evil.test");
    expect(h["x-forwarded-proto"]).toBe("https");
    expect(h.forwarded).toBe("for=203.0.113.7;proto=https, for=127.0.0.1;host=a.test;proto=http");
    expect(h["x-real-ip"]).toBe("203.0.113.7");
  });

  it("rate-limits the client a trusted proxy names, and an untrusted peer by its own address", async () => {
    const limited = (router: TestRouter, client: string) =>
      send(portOf(router), "GET / HTTP/1.1", "Host: limited.test", `X-Forwarded-For: ${client}`);
    expect((await limited(behindProxy, "198.51.100.1")).status).toBe(200);
    expect((await limited(behindProxy, "198.51.100.1")).status).toBe(429);
    expect((await limited(behindProxy, "198.51.100.2")).status).toBe(200);
    // The open router sees 127.0.0.1 both times, whatever the header claims.
    expect((await limited(suite.router, "198.51.100.3")).status).toBe(200);
    expect((await limited(suite.router, "198.51.100.4")).status).toBe(429);
  });

  it("sends Host, x-request-id and the forwarding headers even when Connection names them", async () => {
    const reply = await send(
      portOf(suite.router),
      "GET / HTTP/1.1",
      "Host: a.test",
      "X-Request-Id: req-7",
      "Connection: host, x-request-id, x-forwarded-for, x-real-ip",
    );
    const h = reply.seen?.headers ?? {};
    expect(h.host).toBe("a.test");
    expect(h["x-request-id"]).toBe("req-7");
    expect(h["x-forwarded-for"]).toBe("127.0.0.1");
    expect(h["x-real-ip"]).toBe("127.0.0.1");
  });
});

describe("filters", () => {
  it("leaves out an endpoint whose filter would fail every request, with a table warning naming it", async () => {
    const reply = await send(portOf(suite.router), "GET / HTTP/1.1", "Host: badfilter.test");
    expect(reply.status).toBe(404);
    const routes = (await (await request(`${suite.router.admin}/routes`)).body.json()) as {
      warnings: unknown[];
    };
    expect(routes.warnings).toContainEqual(
      expect.objectContaining({
        kind: "invalid-endpoint",
        pattern: "badfilter.test",
        message: expect.stringContaining("filters[0].set"),
      }),
    );
  });
});

describe("logs", () => {
  it("name a failed request's path but never its query string", async () => {
    const reply = await send(portOf(suite.router), "GET /login?token=s3cret HTTP/1.1", "Host: dead.test");
    expect(reply.status).toBe(502);
    const failed = suite.router.logs.find("request failed");
    expect(failed.at(-1)?.path).toBe("/login");
    expect(JSON.stringify(suite.router.logs.lines)).not.toContain("s3cret");
  });
});

const V2_SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
const requestHead = (host: string) => `GET /p HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;

describe("PROXY protocol", () => {
  it("takes a v1 header's source as the client", async () => {
    const head = `PROXY TCP4 198.51.100.9 127.0.0.1 5555 80\r\n${requestHead("a.test")}`;
    const reply = parse(await rawRequest(proxyPortOf(behindProxy), head));
    expect(reply.status).toBe(200);
    expect(reply.seen?.headers["x-forwarded-for"]).toBe("198.51.100.9");
    expect(reply.seen?.headers["x-real-ip"]).toBe("198.51.100.9");
  });

  it("takes a v2 header's IPv6 source as the client, TLVs and all", async () => {
    const source = [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 0x09];
    const destination = [...new Array<number>(15).fill(0), 0x01];
    const block = [...source, ...destination, 0x15, 0xb3, 0x00, 0x50, 0x04, 0x00, 0x01, 0x00];
    const header = Buffer.from([...V2_SIGNATURE, 0x21, 0x21, 0x00, block.length, ...block]);
    const reply = parse(
      await rawRequest(proxyPortOf(behindProxy), Buffer.concat([header, Buffer.from(requestHead("a.test"))])),
    );
    expect(reply.status).toBe(200);
    expect(reply.seen?.headers["x-forwarded-for"]).toBe("2001:db8::9");
    expect(reply.seen?.headers.forwarded).toBe('for="[2001:db8::9]";host=a.test;proto=http');
  });

  it("keeps the socket's peer for a v2 LOCAL header (the proxy's own health check)", async () => {
    const header = Buffer.from([...V2_SIGNATURE, 0x20, 0x00, 0x00, 0x00]);
    const reply = parse(
      await rawRequest(proxyPortOf(behindProxy), Buffer.concat([header, Buffer.from(requestHead("a.test"))])),
    );
    expect(reply.seen?.headers["x-forwarded-for"]).toBe("127.0.0.1");
  });

  it.each([
    ["no header", requestHead("a.test")],
    ["a broken v1 header", `PROXY TCP4 198.51.100.9 nowhere 5555 80\r\n${requestHead("a.test")}`],
  ])("closes a connection with %s without a word", async (_what, head) => {
    const before = hits();
    expect(await rawRequest(proxyPortOf(behindProxy), head)).toBe("");
    expect(hits()).toBe(before);
  });

  it("closes a connection whose header does not complete within the header timeout", async () => {
    const started = Date.now();
    expect(await rawRequest(proxyPortOf(behindProxy), "PROXY TCP4 198.51.100.9 127.0")).toBe("");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("closes a connection from a peer that is not a trusted proxy", async () => {
    const before = hits();
    const head = `PROXY TCP4 198.51.100.9 127.0.0.1 5555 80\r\n${requestHead("a.test")}`;
    expect(await rawRequest(proxyPortOf(strangerProxy), head)).toBe("");
    expect(hits()).toBe(before);
  });
});
