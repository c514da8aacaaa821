import { ManualClock } from "@signalbox/backoff/testing";
import type { Endpoint } from "@signalbox/route-model";
import { describe, expect, it } from "vitest";
import { createFilterChain, FilterState } from "./chain.js";
import type { FilterRequest } from "./filter.js";
import { applyHeaderRules } from "./header-rules.js";
import { TokenBuckets } from "./rate-limit.js";
import { stripPrefix } from "./strip-prefix.js";

function request(overrides: Partial<FilterRequest> = {}): FilterRequest {
  return {
    method: "GET",
    path: "/blog/post?x=1",
    headers: ["host", "a.test"],
    host: "a.test:8080",
    hostname: "a.test",
    clientIp: "10.0.0.1",
    proto: "http",
    ...overrides,
  };
}

function endpoint(filters: Endpoint["filters"], pattern = "a.test/blog"): Endpoint {
  return { pattern, routes: [], filters };
}

describe("stripPrefix", () => {
  it.each([
    ["/blog/post?x=1", "/blog", "/post?x=1"],
    ["/blog", "/blog", "/"],
    ["/blog?x", "/blog", "/?x"],
    ["/blogger", "/blog", "/blogger"],
    ["/other", "/blog", "/other"],
  ])("%s without %s -> %s", (path, prefix, expected) => {
    expect(stripPrefix(path, prefix)).toBe(expected);
  });
});

describe("applyHeaderRules", () => {
  it("removes, then sets, case-insensitively", () => {
    const headers = ["X-Debug", "1", "Accept", "*/*"];
    applyHeaderRules(headers, { remove: ["x-debug"], set: { "X-Team": "shop", accept: "text/html" } });
    expect(headers).toEqual(["x-team", "shop", "accept", "text/html"]);
  });
});

describe("TokenBuckets", () => {
  it("allows the burst, then one request per 1/rate seconds, per client", () => {
    const clock = new ManualClock(1_000);
    const buckets = new TokenBuckets(2, 3, clock);
    expect([buckets.take("a"), buckets.take("a"), buckets.take("a")]).toEqual([0, 0, 0]);
    expect(buckets.take("a")).toBe(1);
    expect(buckets.take("b")).toBe(0);
    clock.advance(500);
    expect(buckets.take("a")).toBe(0);
    expect(buckets.take("a")).toBe(1);
  });

  it("drops buckets unused for a refill window as new clients come, without a full scan", () => {
    const clock = new ManualClock(0);
    const buckets = new TokenBuckets(10, 10, clock); // refilled after 1 s
    for (let i = 0; i < 1000; i++) buckets.take(`old-${i}`);
    clock.advance(1000);
    // Two stale buckets go per take: 500 new clients clear the 1000 old ones.
    for (let i = 0; i < 500; i++) buckets.take(`new-${i}`);
    expect(buckets.size).toBe(500);
  });

  it("keeps a bucket that is still refilling, and its debt", () => {
    const clock = new ManualClock(0);
    const buckets = new TokenBuckets(1, 2, clock); // refilled after 2 s
    buckets.take("a");
    buckets.take("a");
    clock.advance(1500);
    buckets.take("b");
    expect(buckets.take("a")).toBe(0);
    expect(buckets.take("a")).toBe(1);
  });

  it("never tracks more than its ceiling of clients", () => {
    const buckets = new TokenBuckets(1, 1, new ManualClock(0), 100);
    for (let i = 0; i < 1000; i++) buckets.take(`c-${i}`);
    expect(buckets.size).toBe(100);
  });
});

describe("createFilterChain", () => {
  const state = new FilterState(new ManualClock(0));

  it("strips the endpoint's own prefix when the spec names none, and sets request headers in order", () => {
    const chain = createFilterChain(
      endpoint([{ type: "strip-prefix" }, { type: "request-headers", set: { "x-env": "prod" } }]),
      "/blog",
      state,
    );
    const req = request();
    expect(chain.onRequest(req)).toBeUndefined();
    expect(req.path).toBe("/post?x=1");
    expect(req.headers).toEqual(["host", "a.test", "x-env", "prod"]);
  });

  it("redirects to the validated host name, not the Host text", () => {
    const chain = createFilterChain(endpoint([{ type: "redirect-https" }]), "/", state);
    const outcome = chain.onRequest(request({ host: "A.Test.:8080", hostname: "a.test", path: "/x" }));
    expect(outcome).toMatchObject({ headers: ["location", "https://a.test/x", "content-length", "0"] });
  });

  it("redirects plain HTTP to https without the port", () => {
    const chain = createFilterChain(endpoint([{ type: "redirect-https", status: 308 }]), "/blog", state);
    expect(chain.onRequest(request())).toEqual({
      kind: "respond",
      status: 308,
      headers: ["location", "https://a.test/blog/post?x=1", "content-length", "0"],
    });
    expect(chain.onRequest(request({ proto: "https" }))).toBeUndefined();
  });

  it("counts the clients of one IPv6 /64 in one bucket", () => {
    const chain = createFilterChain(
      endpoint([{ type: "rate-limit", ratePerSecond: 1, burst: 1 }]),
      "/",
      state,
    );
    expect(chain.onRequest(request({ clientIp: "2001:db8:1:2::1" }))).toBeUndefined();
    expect(chain.onRequest(request({ clientIp: "2001:db8:1:2::ffff" }))?.kind).toBe("error");
    expect(chain.onRequest(request({ clientIp: "2001:db8:1:3::1" }))).toBeUndefined();
  });

  it("answers rate-limited with Retry-After once a client's bucket is empty", () => {
    const chain = createFilterChain(
      endpoint([{ type: "rate-limit", ratePerSecond: 1, burst: 1 }]),
      "/",
      state,
    );
    expect(chain.onRequest(request())).toBeUndefined();
    expect(chain.onRequest(request())).toEqual({
      kind: "error",
      reason: "rate-limited",
      headers: ["retry-after", "1"],
    });
  });

  it("keeps rate-limit buckets across a rebuild of the same filter", () => {
    const clock = new ManualClock(0);
    const shared = new FilterState(clock);
    const spec = endpoint([{ type: "rate-limit", ratePerSecond: 1, burst: 1 }]);
    createFilterChain(spec, "/", shared).onRequest(request());
    shared.retain();
    const rebuilt = createFilterChain(spec, "/", shared);
    shared.retain();
    expect(rebuilt.onRequest(request())?.kind).toBe("error");
  });

  it("applies response-header filters in reverse order", () => {
    const chain = createFilterChain(
      endpoint([
        { type: "response-headers", set: { "x-layer": "outer" } },
        { type: "response-headers", set: { "x-layer": "inner" } },
      ]),
      "/",
      state,
    );
    const headers: string[] = [];
    chain.onResponse(headers, request());
    expect(headers).toEqual(["x-layer", "outer"]);
  });
});

describe("hsts", () => {
  const chainOf = (spec: Endpoint["filters"][number]) =>
    createFilterChain(endpoint([spec]), "/", new FilterState(new ManualClock(0)));

  it("sets Strict-Transport-Security on HTTPS answers, replacing the backend's", () => {
    const headers = ["Strict-Transport-Security", "max-age=1", "x-a", "1"];
    chainOf({ type: "hsts", maxAge: 63072000, includeSubDomains: true, preload: true }).onResponse(
      headers,
      request({ proto: "https" }),
    );
    expect(headers).toEqual([
      "x-a",
      "1",
      "strict-transport-security",
      "max-age=63072000; includeSubDomains; preload",
    ]);
  });

  it("sends only max-age when nothing else is asked", () => {
    const headers: string[] = [];
    chainOf({ type: "hsts", maxAge: 300 }).onResponse(headers, request({ proto: "https" }));
    expect(headers).toEqual(["strict-transport-security", "max-age=300"]);
  });

  it("never sends it over plain HTTP", () => {
    const headers: string[] = [];
    chainOf({ type: "hsts", maxAge: 300 }).onResponse(headers, request({ proto: "http" }));
    expect(headers).toEqual([]);
  });
});
