// What a backend and a client see through the router: hop-by-hop headers dropped both ways,
// X-Forwarded-*, Forwarded (IPv6 quoted), x-request-id, filters, streamed bodies, WebSocket upgrade.

import { createServer, type Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { backendOf, endpoint, get, rawRequest, type TestBackend } from "./harness.js";
import { useRouterSuite } from "./router-suite.js";

const suite = useRouterSuite({ ROUTER_LISTEN: "127.0.0.1:0,[::1]:0" });
let echoBackend: TestBackend;
let special: Server;
let specialAddress: string;

beforeAll(async () => {
  echoBackend = await suite.backend("echo");
  // /hop answers with hop-by-hop headers; /stream sends a chunk, waits for /release, then ends;
  // /upload echoes the request body as it arrives; WebSocket echo on any path.
  let release: (() => void) | undefined;
  special = createServer((req, res) => {
    if (req.url === "/hop") {
      res.writeHead(200, {
        connection: "x-internal",
        "x-internal": "1",
        "keep-alive": "timeout=5",
        "x-public": "1",
      });
      res.end("hop");
    } else if (req.url === "/stream") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first;");
      release = () => res.end("last");
    } else if (req.url === "/release") {
      release?.();
      res.end("released");
    } else if (req.url === "/upload") {
      res.writeHead(200);
      req.pipe(res);
    } else res.end("other");
  });
  const wss = new WebSocketServer({ server: special });
  wss.on("connection", (ws, req) => ws.send(`hello ${req.url} ${req.headers["x-forwarded-for"]}`));
  await new Promise<void>((resolve) => special.listen(0, "127.0.0.1", resolve));
  specialAddress = `127.0.0.1:${(special.address() as AddressInfo).port}`;
  await suite.publish(
    [
      endpoint("echo.test", [{ selector: "role=echo" }]),
      endpoint("special.test", [{ selector: "role=special" }]),
      endpoint("filters.test/api", [{ selector: "role=echo" }], {
        filters: [
          { type: "strip-prefix" },
          { type: "request-headers", set: { "x-team": "shop" }, remove: ["x-debug"] },
          { type: "response-headers", set: { "x-served-by": "signalbox" }, remove: ["content-type"] },
        ],
      }),
      endpoint("secure.test", [{ selector: "role=echo" }], { filters: [{ type: "redirect-https" }] }),
    ],
    [
      backendOf(echoBackend, { role: "echo" }),
      backendOf({ id: "special", address: specialAddress }, { role: "special" }),
    ],
  );
});

afterAll(async () => {
  special.closeAllConnections();
  await new Promise((resolve) => special.close(resolve));
});

describe("router headers", () => {
  it("drops the client's hop-by-hop headers and sets the forwarding headers", async () => {
    const port = Number(new URL(suite.router.url).port);
    const reply = await rawRequest(
      port,
      "GET /h HTTP/1.1\r\nHost: echo.test:8080\r\nConnection: keep-alive, X-Hop\r\nX-Hop: secret\r\n" +
        "Keep-Alive: timeout=9\r\nProxy-Authorization: Basic eDp5\r\nTE: trailers\r\nUpgrade: h2c\r\n" +
        "X-Forwarded-For: 203.0.113.7\r\nX-Request-Id: req-42\r\nAccept: */*\r\n\r\n",
    );
    const body = JSON.parse(reply.slice(reply.indexOf("\r\n\r\n") + 4)) as {
      headers: Record<string, string>;
    };
    const h = body.headers;
    expect(h.host).toBe("echo.test:8080");
    expect(h.accept).toBe("*/*");
    expect(h["x-hop"]).toBeUndefined();
    expect(h["keep-alive"]).toBeUndefined();
    expect(h["proxy-authorization"]).toBeUndefined();
    expect(h.upgrade).toBeUndefined();
    expect(h.te).toBe("trailers");
    // The router trusts no proxy here: the client's own X-Forwarded-For is replaced, not extended.
    expect(h["x-forwarded-for"]).toBe("127.0.0.1");
    expect(h["x-forwarded-host"]).toBe("echo.test:8080");
    expect(h["x-forwarded-proto"]).toBe("http");
    expect(h.forwarded).toBe('for=127.0.0.1;host="echo.test:8080";proto=http');
    expect(h["x-request-id"]).toBe("req-42");
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
  });

  it("answers a client's Expect: 100-continue itself and forwards the body", async () => {
    const port = Number(new URL(suite.router.url).port);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () =>
        socket.write(
          "POST /e HTTP/1.1\r\nHost: echo.test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
        ),
      );
      let data = "";
      let sent = false;
      socket.on("data", (chunk) => {
        data += chunk;
        if (data.startsWith("HTTP/1.1 100") && !sent) {
          sent = true;
          socket.write("hello");
        }
        if (/\r\n\r\n\{.*\}$/s.test(data)) socket.end();
      });
      socket.on("close", () => resolve(data));
      socket.on("error", reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 100 Continue/);
    expect(reply).toContain("HTTP/1.1 200 OK");
    const body = JSON.parse(reply.slice(reply.lastIndexOf("\r\n\r\n") + 4)) as {
      method: string;
      headers: Record<string, string>;
    };
    expect(body.method).toBe("POST");
    expect(body.headers.expect).toBeUndefined();
  });

  it("generates x-request-id when the client sends none", async () => {
    const first = JSON.parse((await get(suite.router.url, "echo.test")).body) as {
      headers: Record<string, string>;
    };
    const second = JSON.parse((await get(suite.router.url, "echo.test")).body) as {
      headers: Record<string, string>;
    };
    expect(first.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.headers["x-request-id"]).not.toBe(second.headers["x-request-id"]);
  });

  it("quotes an IPv6 client in Forwarded", async () => {
    const v6 = suite.router.addresses[1];
    const res = await request(`http://[::1]:${v6?.port}/`, { headers: { host: "echo.test" } });
    const body = (await res.body.json()) as { headers: Record<string, string> };
    expect(body.headers.forwarded).toBe('for="[::1]";host=echo.test;proto=http');
    expect(body.headers["x-forwarded-for"]).toBe("::1");
  });

  it("drops the backend's hop-by-hop headers from the response", async () => {
    const answer = await get(suite.router.url, "special.test", { path: "/hop" });
    expect(answer.headers["x-public"]).toBe("1");
    expect(answer.headers["x-internal"]).toBeUndefined();
    expect(answer.headers["keep-alive"]).not.toBe("timeout=5");
  });

  it("applies an endpoint's filters in order", async () => {
    const answer = await get(suite.router.url, "filters.test", {
      path: "/api/users?x=1",
      headers: { "x-debug": "1" },
    });
    const body = JSON.parse(answer.body) as { url: string; headers: Record<string, string> };
    expect(body.url).toBe("/users?x=1");
    expect(body.headers["x-team"]).toBe("shop");
    expect(body.headers["x-debug"]).toBeUndefined();
    expect(answer.headers["x-served-by"]).toBe("signalbox");
    expect(answer.headers["content-type"]).toBeUndefined();
    const redirect = await get(suite.router.url, "secure.test:8080", { path: "/a?b=1" });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe("https://secure.test/a?b=1");
  });

  it("streams response and request bodies instead of buffering them", async () => {
    const res = await request(`${suite.router.url}/stream`, { headers: { host: "special.test" } });
    const reader = res.body[Symbol.asyncIterator]();
    const first = await reader.next();
    expect(String(first.value)).toBe("first;");
    await get(suite.router.url, "special.test", { path: "/release" });
    let rest = "";
    for (let next = await reader.next(); !next.done; next = await reader.next()) rest += String(next.value);
    expect(rest).toBe("last");

    const payload = Buffer.alloc(5 * 1024 * 1024, "z");
    const upload = await request(`${suite.router.url}/upload`, {
      method: "POST",
      body: payload,
      headers: { host: "special.test" },
    });
    const echoed = Buffer.from(await upload.body.arrayBuffer());
    expect(echoed.length).toBe(payload.length);
  });

  it("passes a WebSocket upgrade through with the forwarding headers", async () => {
    const ws = new WebSocket(`${suite.router.url.replace("http", "ws")}/chat`, {
      headers: { host: "special.test" },
    });
    const message = await new Promise<string>((resolve, reject) => {
      ws.once("message", (data) => resolve(String(data)));
      ws.once("error", reject);
    });
    expect(message).toBe("hello /chat 127.0.0.1");
    ws.close();
    const refused = new WebSocket(`${suite.router.url.replace("http", "ws")}/`, {
      headers: { host: "nowhere.test" },
    });
    const status = await new Promise<number>((resolve) =>
      refused.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(404);
  });
});
