import { describe, expect, it } from "vitest";
import { PatternSyntaxError } from "../errors.js";
import { createEndpointIndex } from "./endpoint-index.js";
import { parsePattern } from "./parse.js";

function indexOf(patterns: string[]) {
  return createEndpointIndex(patterns.map((pattern) => ({ pattern, value: pattern })));
}

describe("createEndpointIndex match", () => {
  const index = indexOf([
    "example.com",
    "www.example.com/blog",
    "*.example.com",
    "*.api.example.com/v1",
    "*.eu.example.com",
    "a.example.com/y",
    "api.test/",
    "shop.test/cart/items",
    "[::1]/ipv6",
  ]);

  it.each<[string, string, string | undefined]>([
    // exact host, case and port ignored
    ["example.com", "/", "example.com"],
    ["EXAMPLE.com:8080", "/anything", "example.com"],
    ["api.test", "/", "api.test/"],
    ["api.test:443", "/x/y", "api.test/"],
    // wildcard depth: any name under the suffix, never the suffix itself
    ["x.example.com", "/", "*.example.com"],
    ["a.b.c.example.com", "/", "*.example.com"],
    ["example.org", "/", undefined],
    ["notexample.com", "/", undefined],
    // longest wildcard wins
    ["x.eu.example.com", "/", "*.eu.example.com"],
    ["y.x.eu.example.com", "/", "*.eu.example.com"],
    ["eu.example.com", "/", "*.example.com"],
    // exact host beats wildcard
    ["www.example.com", "/blog", "www.example.com/blog"],
    // segment boundaries
    ["www.example.com", "/blog/", "www.example.com/blog"],
    ["www.example.com", "/blog/2024/post", "www.example.com/blog"],
    ["www.example.com", "/blog?page=2", "www.example.com/blog"],
    ["www.example.com", "//blog", "www.example.com/blog"],
    ["www.example.com", "/blogger", "*.example.com"],
    ["www.example.com", "/Blog", "*.example.com"],
    ["shop.test", "/cart/items/3", "shop.test/cart/items"],
    ["shop.test", "/cart/item", undefined],
    ["shop.test", "/cart", undefined],
    // falls back to the next host pattern that matches host and path
    ["a.example.com", "/y/z", "a.example.com/y"],
    ["a.example.com", "/x", "*.example.com"],
    ["q.api.example.com", "/v1/users", "*.api.example.com/v1"],
    ["q.api.example.com", "/v2", "*.example.com"],
    // IPv6 literal
    ["[::1]:8080", "/ipv6/a", "[::1]/ipv6"],
    ["[::1]", "/other", undefined],
    ["", "/", undefined],
  ])("routes %j %j to %j", (host, path, expected) => {
    expect(index.match(host, path)).toBe(expected);
  });

  it("keeps the first of several patterns that normalise to the same one", () => {
    const dup = createEndpointIndex([
      { pattern: "API.test/", value: 1 },
      { pattern: "api.test", value: 2 },
    ]);
    expect(dup.match("api.test", "/")).toBe(1);
  });

  it("rejects an index with a bad pattern, naming its position", () => {
    expect(() => indexOf(["ok.test", "bad..test"])).toThrow(PatternSyntaxError);
    expect(() => indexOf(["ok.test", "bad..test"])).toThrow(
      expect.objectContaining({ input: "bad..test", position: 4 }),
    );
  });
});

describe("createEndpointIndex shadowedBy", () => {
  const index = indexOf(["api.test", "API.test/", "api.test/v1", "*.test", "twice.test", "twice.test"]);

  it.each<[string, string[]]>([
    ["api.test", []],
    ["API.test/", ["api.test"]],
    ["api.test/", ["api.test"]],
    ["api.test/v1", []],
    ["*.test", []],
    ["twice.test", ["twice.test"]],
    ["other.test", []],
  ])("reports what shadows %j", (pattern, expected) => {
    expect(index.shadowedBy(pattern)).toEqual(expected);
  });
});

describe("createEndpointIndex at 10k endpoints", () => {
  function mulberry32(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const random = mulberry32(2024);
  const pickOf = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const segments = ["api", "blog", "blogger", "v1", "v2", "static", "x"];
  const randomPath = (maxDepth: number) => {
    const depth = Math.floor(random() * (maxDepth + 1));
    return `/${Array.from({ length: depth }, () => pickOf(segments)).join("/")}`;
  };
  const hostOf = (i: number) => `svc${i}.zone${i % 50}.example.com`;

  const patterns = Array.from({ length: 10_000 }, () => {
    const kind = random();
    const path = randomPath(3);
    const suffix = path === "/" ? "" : path;
    if (kind < 0.7) return `${hostOf(Math.floor(random() * 3000))}${suffix}`;
    if (kind < 0.95) return `*.zone${Math.floor(random() * 50)}.example.com${suffix}`;
    return `*.example.com${suffix}`;
  });

  const parsed = patterns.map((pattern) => parsePattern(pattern));

  /** The rules written out as a scan: the most specific host, then the longest path, then the first entry. */
  function oracle(host: string, path: string): number | undefined {
    let best: { hostRank: number; pathLength: number; i: number } | undefined;
    parsed.forEach(({ host: h, wildcard, pathPrefix }, i) => {
      const hostRank = !wildcard
        ? h === host
          ? Number.MAX_SAFE_INTEGER
          : -1
        : host.endsWith(`.${h}`)
          ? h.length
          : -1;
      if (hostRank < 0) return;
      if (pathPrefix !== "/" && path !== pathPrefix && !path.startsWith(`${pathPrefix}/`)) return;
      const pathLength = pathPrefix === "/" ? 0 : pathPrefix.length;
      if (
        best === undefined ||
        hostRank > best.hostRank ||
        (hostRank === best.hostRank && pathLength > best.pathLength)
      ) {
        best = { hostRank, pathLength, i };
      }
    });
    return best?.i;
  }

  it("agrees with a scan of every pattern on 2,000 random requests", () => {
    const index = createEndpointIndex(patterns.map((pattern, i) => ({ pattern, value: i })));
    let matched = 0;
    for (let r = 0; r < 2000; r++) {
      const n = Math.floor(random() * 3500);
      const host = random() < 0.8 ? hostOf(n) : `deep.${hostOf(n)}`;
      const path = randomPath(4);
      const expected = oracle(host, path);
      if (expected !== undefined) matched++;
      expect(index.match(host.toUpperCase(), path), `${host}${path}`).toBe(expected);
    }
    expect(matched).toBeGreaterThan(1000);
  });
});
