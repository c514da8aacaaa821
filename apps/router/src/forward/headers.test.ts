import { describe, expect, it } from "vitest";
import { clientIpOf, forwardedElement, readRequestHead, responseHeaders, setHeader } from "./headers.js";

const client = { clientIp: "10.0.0.9", proto: "http" as const, upgrade: false };

function asMap(headers: string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (let i = 0; i < headers.length; i += 2) {
    const name = (headers[i] as string).toLowerCase();
    map.set(name, [...(map.get(name) ?? []), headers[i + 1] as string]);
  }
  return map;
}

describe("readRequestHead", () => {
  it("keeps Host and end-to-end headers, drops hop-by-hop ones and those Connection names", () => {
    const head = readRequestHead(
      [
        "Host",
        "shop.test:8080",
        "Connection",
        "keep-alive, X-Secret",
        "Keep-Alive",
        "timeout=5",
        "Proxy-Connection",
        "keep-alive",
        "Proxy-Authorization",
        "Basic abc",
        "Proxy-Authenticate",
        "Basic",
        "TE",
        "gzip",
        "Trailer",
        "x-sum",
        "Transfer-Encoding",
        "chunked",
        "Upgrade",
        "h2c",
        "X-Secret",
        "1",
        "Accept",
        "text/html",
      ],
      client,
    );
    const headers = asMap(head.headers);
    expect(headers.get("host")).toEqual(["shop.test:8080"]);
    expect(headers.get("accept")).toEqual(["text/html"]);
    for (const gone of [
      "connection",
      "keep-alive",
      "proxy-connection",
      "proxy-authorization",
      "proxy-authenticate",
      "te",
      "trailer",
      "transfer-encoding",
      "upgrade",
      "x-secret",
    ]) {
      expect(headers.has(gone), gone).toBe(false);
    }
    expect(head.hasBody).toBe(true);
  });

  it("keeps `te: trailers` only", () => {
    const head = readRequestHead(["host", "a", "te", "trailers, deflate"], client);
    expect(asMap(head.headers).get("te")).toEqual(["trailers"]);
  });

  it("keeps Upgrade and says Connection: upgrade when an upgrade is proxied", () => {
    const head = readRequestHead(
      ["Host", "a", "Connection", "Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Key", "k"],
      { ...client, upgrade: true },
    );
    const headers = asMap(head.headers);
    expect(headers.get("upgrade")).toEqual(["websocket"]);
    expect(headers.get("connection")).toEqual(["upgrade"]);
    expect(headers.get("sec-websocket-key")).toEqual(["k"]);
  });

  it("appends the client to X-Forwarded-For and Forwarded, replaces X-Forwarded-Host/-Proto", () => {
    const head = readRequestHead(
      [
        "Host",
        "shop.test",
        "X-Forwarded-For",
        "1.1.1.1",
        "x-forwarded-for",
        "2.2.2.2",
        "X-Forwarded-Host",
        "evil.test",
        "X-Forwarded-Proto",
        "https",
        "Forwarded",
        "for=1.1.1.1",
      ],
      client,
    );
    const headers = asMap(head.headers);
    expect(headers.get("x-forwarded-for")).toEqual(["1.1.1.1, 2.2.2.2, 10.0.0.9"]);
    expect(headers.get("x-forwarded-host")).toEqual(["shop.test"]);
    expect(headers.get("x-forwarded-proto")).toEqual(["http"]);
    expect(headers.get("forwarded")).toEqual(["for=1.1.1.1, for=10.0.0.9;host=shop.test;proto=http"]);
  });

  it("keeps a client's x-request-id and generates one when absent", () => {
    expect(readRequestHead(["X-Request-Id", "abc"], client).requestId).toBe("abc");
    const generated = readRequestHead([], client);
    expect(generated.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(asMap(generated.headers).get("x-request-id")).toEqual([generated.requestId]);
  });

  it.each([
    [["content-length", "0"], false],
    [["content-length", "12"], true],
    [["transfer-encoding", "chunked"], true],
    [[], false],
  ])("hasBody for %j is %s", (raw, expected) => {
    expect(readRequestHead(raw, client).hasBody).toBe(expected);
  });
});

describe("forwardedElement", () => {
  it.each([
    ["10.0.0.1", "a.test", "for=10.0.0.1;host=a.test;proto=http"],
    ["::1", "a.test", 'for="[::1]";host=a.test;proto=http'],
    ["10.0.0.1", "a.test:8080", 'for=10.0.0.1;host="a.test:8080";proto=http'],
  ])("%s %s -> %s", (ip, host, expected) => {
    expect(forwardedElement(ip, host, "http")).toBe(expected);
  });
});

describe("clientIpOf", () => {
  it("shows IPv4-mapped addresses as IPv4", () => {
    expect(clientIpOf("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(clientIpOf("::1")).toBe("::1");
    expect(clientIpOf(undefined)).toBe("");
  });
});

describe("responseHeaders", () => {
  it("drops hop-by-hop headers and those the backend's Connection names", () => {
    const raw = [
      "Content-Type",
      "text/plain",
      "Connection",
      "keep-alive, X-Internal",
      "Keep-Alive",
      "timeout=5",
      "Transfer-Encoding",
      "chunked",
      "X-Internal",
      "1",
      "Set-Cookie",
      "a=1",
      "Set-Cookie",
      "b=2",
    ].map((text) => Buffer.from(text));
    expect(responseHeaders(raw)).toEqual([
      "Content-Type",
      "text/plain",
      "Set-Cookie",
      "a=1",
      "Set-Cookie",
      "b=2",
    ]);
  });
});

describe("setHeader", () => {
  it("replaces every copy, case-insensitively, or removes", () => {
    const headers = ["X-A", "1", "x-a", "2", "b", "3"];
    setHeader(headers, "x-a", "9");
    expect(headers).toEqual(["b", "3", "x-a", "9"]);
    setHeader(headers, "b", undefined);
    expect(headers).toEqual(["x-a", "9"]);
  });
});
