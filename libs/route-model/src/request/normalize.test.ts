import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RequestError } from "../errors.js";
import { parseRequestHost } from "./host.js";
import { normalizeRequest } from "./normalize.js";
import { normalizePath } from "./path.js";

/** True when a path (before its query) still has a `.` or `..` segment, `%2e` counted as a dot. */
function hasDotSegment(target: string): boolean {
  const path = target.split("?")[0] as string;
  return path.split("/").some((s) => /^(\.|%2e){1,2}$/i.test(s));
}

/** Runs `f`; passes when it returns or throws a RequestError, fails on any other throw. */
function onlyTypedErrors<T>(f: () => T): T | RequestError {
  try {
    return f();
  } catch (err) {
    expect(err).toBeInstanceOf(RequestError);
    return err as RequestError;
  }
}

describe("parseRequestHost", () => {
  it.each([
    ["Example.COM", "example.com"],
    ["example.com:8080", "example.com"],
    ["example.com.", "example.com"],
    ["example.com.:80", "example.com"],
    ["10.0.0.1:80", "10.0.0.1"],
    ["[::1]:8080", "[::1]"],
    ["[2001:DB8::1]", "[2001:db8::1]"],
    ["a-b_c~d!$&'()*+,;=", "a-b_c~d!$&'()*+,;="],
    ["host:", "host"],
  ])("%j -> %j", (header, name) => {
    expect(parseRequestHost(header)).toEqual({ name, authority: header });
  });

  it.each([
    "a.test:@evil.test",
    "evil.test/.wild.test",
    "user@a.test",
    "a.test:80:80",
    "a.test:99999",
    "a.test:8o",
    "",
    ":80",
    "a.test..",
    ".",
    "[::1",
    "[::1]x",
    "[fe80::1%25eth0]",
    "[v1.fe]",
    "::1",
    "a test",
    "a.test\\b",
    "a.test#x",
    "a.test?x",
    "h%41st",
    "h%4",
    "h%zz",
    "bücher.test",
  ])("refuses %j", (header) => {
    expect(() => parseRequestHost(header)).toThrow(RequestError);
  });

  it("never throws anything but RequestError and always yields a name of host characters", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (header) => {
        const result = onlyTypedErrors(() => parseRequestHost(header));
        if (result instanceof RequestError) return;
        expect(result.name).toBe(result.name.toLowerCase());
        expect(result.name).not.toMatch(/[/@?#\\\s]/);
        expect(parseRequestHost(result.name).name).toBe(result.name);
      }),
      { numRuns: 5000 },
    );
  });

  it("accepts every domain and IPv4 with any port", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.domain(), fc.ipV4()),
        fc.option(fc.integer({ min: 0, max: 65535 })),
        (host, port) => {
          const header = port === null ? host : `${host}:${port}`;
          expect(parseRequestHost(header).name).toBe(host.toLowerCase());
        },
      ),
    );
  });
});

describe("normalizePath", () => {
  it.each([
    ["/", "/"],
    ["/a/b?x=/../y", "/a/b?x=/../y"],
    ["/a/./b", "/a/b"],
    ["/a/../b", "/b"],
    ["/a/b/..", "/a/"],
    ["/a/b/.", "/a/b/"],
    ["/a/%2e%2E/b", "/b"],
    ["/a/.%2e/b?q", "/b?q"],
    ["/a/%2e/b", "/a/b"],
    ["/a/..", "/"],
    ["/.", "/"],
    ["/a//../b", "/a/b"],
    ["/a/...b/..c/.d", "/a/...b/..c/.d"],
    ["/a/.../b", "/a/.../b"],
    ["/a/%2e%2e%2e", "/a/%2e%2e%2e"],
    ["/a/..%2E/../b", "/a/b"],
    ["/a%2e/b", "/a%2e/b"],
  ])("%j -> %j", (target, path) => {
    expect(normalizePath(target)).toBe(path);
  });

  it.each(["/..", "/../a", "/a/../..", "/%2e%2e/etc/passwd", "/a/%2e%2E/../b"])(
    "refuses %j as above /",
    (target) => {
      expect(() => normalizePath(target)).toThrow(expect.objectContaining({ kind: "path-above-root" }));
    },
  );

  it.each(["", "a/b", "*", "/a#frag", "/a?x#y"])("refuses %j as a bad target", (target) => {
    expect(() => normalizePath(target)).toThrow(expect.objectContaining({ kind: "bad-target" }));
  });

  it("returns an already-normal path as the same string (the fast path)", () => {
    const path = "/api/v1/items/42?sort=asc";
    expect(normalizePath(path)).toBe(path);
  });

  const segment = fc.oneof(
    fc.constantFrom(".", "..", "%2e", "%2E%2e", ".%2e", "", "a", "b.c", "..."),
    fc.string({ unit: fc.constantFrom(..."ab.%2eE/?"), maxLength: 6 }),
  );
  const target = fc
    .tuple(fc.array(segment, { maxLength: 8 }), fc.option(fc.string({ maxLength: 6 })))
    .map(([segments, query]) => `/${segments.join("/")}${query === null ? "" : `?${query}`}`);

  it("never throws anything but RequestError, never leaves a dot-segment, and is idempotent", () => {
    fc.assert(
      fc.property(fc.oneof(target, fc.string({ maxLength: 30 })), (input) => {
        const result = onlyTypedErrors(() => normalizePath(input));
        if (result instanceof RequestError) return;
        expect(result.startsWith("/")).toBe(true);
        expect(hasDotSegment(result)).toBe(false);
        expect(normalizePath(result)).toBe(result);
        const query = input.indexOf("?");
        if (query !== -1) expect(result.endsWith(input.slice(query))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});

describe("normalizeRequest", () => {
  it("routes an origin-form target by its one Host header", () => {
    expect(normalizeRequest("/a/../b", ["A.test:8080"])).toEqual({
      host: { name: "a.test", authority: "A.test:8080" },
      path: "/b",
    });
  });

  it.each([
    ["http://a.test/x/../y?q", "a.test", "/y?q"],
    ["HTTPS://A.test:8443", "a.test", "/"],
    ["http://a.test?q=1", "a.test", "/?q=1"],
    ["http://[::1]:80/p", "[::1]", "/p"],
  ])("routes absolute-form %j by its authority, as origin-form", (url, name, path) => {
    const normalized = normalizeRequest(url, ["other.test"]);
    expect(normalized.host.name).toBe(name);
    expect(normalized.path).toBe(path);
  });

  it.each<[string, string[], string]>([
    ["/", [], "bad-host"],
    ["/", ["a.test", "b.test"], "bad-host"],
    ["/", ["a.test", "a.test"], "bad-host"],
    ["http://user:pw@a.test/", [], "bad-host"],
    ["http://a.test:@evil.test/", [], "bad-host"],
    ["http:///x", [], "bad-host"],
    ["ftp://a.test/", ["a.test"], "bad-target"],
    ["a.test:443", ["a.test"], "bad-target"],
    ["*", ["a.test"], "bad-target"],
    ["http://a.test/../x", [], "path-above-root"],
  ])("refuses %j with Host %j as %s", (url, hosts, kind) => {
    expect(() => normalizeRequest(url, hosts)).toThrow(expect.objectContaining({ kind }));
  });

  it("never throws anything but RequestError on any target and Host headers", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 30 }), fc.webUrl().map(String)),
        fc.array(fc.string({ maxLength: 20 }), { maxLength: 2 }),
        (url, hosts) => {
          const result = onlyTypedErrors(() => normalizeRequest(url, hosts));
          if (result instanceof RequestError) return;
          expect(hasDotSegment(result.path)).toBe(false);
          expect(normalizeRequest(result.path, [result.host.authority])).toEqual(result);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
