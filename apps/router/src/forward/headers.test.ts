import { describe, expect, it } from "vitest";
import {
  addForwarding,
  forwardedElement,
  type Hop,
  readRequestHead,
  responseHeaders,
  setHeader,
} from "./headers.js";

const untrusted: Hop = {
  host: "shop.test",
  peer: "10.0.0.9",
  trustedPeer: false,
  clientIp: "10.0.0.9",
  proto: "http",
};

/** The backend's header list for `raw` as this hop sends it. */
function forwarded(raw: string[], hop: Hop = untrusted, upgrade = false) {
  const head = readRequestHead(raw, upgrade);
  addForwarding(head, hop);
  return head;
}

function asMap(headers: string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (let i = 0; i < headers.length; i += 2) {
    const name = (headers[i] as string).toLowerCase();
    map.set(name, [...(map.get(name) ?? []), headers[i + 1] as string]);
  }
  return map;
}

describe("readRequestHead", () => {
  it("sends the validated Host and end-to-end headers, drops hop-by-hop ones and those Connection names", () => {
    const head = forwarded(
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
      { ...untrusted, host: "shop.test:8080" },
    );
    const headers = asMap(head.headers);
    expect(head.hosts).toEqual(["shop.test:8080"]);
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
    const head = forwarded(["host", "a", "te", "trailers, deflate"]);
    expect(asMap(head.headers).get("te")).toEqual(["trailers"]);
  });

  it("keeps Upgrade and says Connection: upgrade when an upgrade is proxied", () => {
    const head = forwarded(
      ["Host", "a", "Connection", "Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Key", "k"],
      untrusted,
      true,
    );
    const headers = asMap(head.headers);
    expect(headers.get("upgrade")).toEqual(["websocket"]);
    expect(headers.get("connection")).toEqual(["upgrade"]);
    expect(headers.get("sec-websocket-key")).toEqual(["k"]);
  });

  const spoofed = [
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
    "X-Real-IP",
    "3.3.3.3",
  ];

  it("replaces every forwarding header of an untrusted peer by what this hop saw", () => {
    const headers = asMap(forwarded(spoofed).headers);
    expect(headers.get("x-forwarded-for")).toEqual(["10.0.0.9"]);
    expect(headers.get("x-forwarded-host")).toEqual(["shop.test"]);
    expect(headers.get("x-forwarded-proto")).toEqual(["http"]);
    expect(headers.get("forwarded")).toEqual(["for=10.0.0.9;host=shop.test;proto=http"]);
    expect(headers.get("x-real-ip")).toEqual(["10.0.0.9"]);
  });

  it("extends a trusted peer's X-Forwarded-For and Forwarded and keeps its other forwarding headers", () => {
    const hop: Hop = { ...untrusted, trustedPeer: true, clientIp: "2.2.2.2" };
    const headers = asMap(forwarded(spoofed, hop).headers);
    expect(headers.get("x-forwarded-for")).toEqual(["1.1.1.1, 2.2.2.2, 10.0.0.9"]);
    expect(headers.get("x-forwarded-host")).toEqual(["evil.test"]);
    expect(headers.get("x-forwarded-proto")).toEqual(["https"]);
    expect(headers.get("forwarded")).toEqual(["for=1.1.1.1, for=10.0.0.9;host=shop.test;proto=http"]);
    expect(headers.get("x-real-ip")).toEqual(["3.3.3.3"]);
  });

  it("sends Host, x-request-id and the forwarding headers even when Connection names them", () => {
    const head = forwarded([
      "Host",
      "shop.test",
      "Connection",
      "host, x-request-id, x-forwarded-for, x-real-ip, forwarded",
      "X-Request-Id",
      "abc",
    ]);
    const headers = asMap(head.headers);
    expect(headers.get("host")).toEqual(["shop.test"]);
    expect(headers.get("x-request-id")).toEqual(["abc"]);
    expect(headers.get("x-forwarded-for")).toEqual(["10.0.0.9"]);
    expect(headers.get("x-real-ip")).toEqual(["10.0.0.9"]);
    expect(headers.has("forwarded")).toBe(true);
  });

  it("collects every Host header so that a second one can be refused", () => {
    expect(readRequestHead(["Host", "a.test", "host", "b.test"], false).hosts).toEqual(["a.test", "b.test"]);
  });

  it("keeps a client's x-request-id and generates one when absent", () => {
    expect(readRequestHead(["X-Request-Id", "abc"], false).requestId).toBe("abc");
    const generated = forwarded([]);
    expect(generated.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(asMap(generated.headers).get("x-request-id")).toEqual([generated.requestId]);
  });

  it.each([
    [["content-length", "0"], false],
    [["content-length", "12"], true],
    [["transfer-encoding", "chunked"], true],
    [[], false],
  ])("hasBody for %j is %s", (raw, expected) => {
    expect(readRequestHead(raw, false).hasBody).toBe(expected);
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
