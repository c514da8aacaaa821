import { describe, expect, it } from "vitest";
import type { Backend, Endpoint, Route, RouteTable } from "../model/types.js";
import type { PickContext } from "../strategies/strategy.js";
import { type CompiledRoute, compileTable } from "./compile.js";
import { hashTable } from "./hash.js";

function backend(id: string, labels: Record<string, string>): Backend {
  return {
    id,
    service: labels["marathon.app"] ?? "edge",
    address: "10.0.0.1:8080",
    labels,
    state: "up",
    source: "marathon",
    connectedAt: 0,
  };
}

const r = (id: string, selector: string, weight: number, strategy = "round-robin"): Route => ({
  id,
  selector,
  weight,
  strategy,
});
const ep = (pattern: string, routes: Route[], extra: Partial<Endpoint> = {}): Endpoint => ({
  pattern,
  routes,
  filters: [],
  ...extra,
});

const table: RouteTable = {
  version: 42,
  generatedAt: 1_700_000_000_000,
  endpoints: [
    ep(
      "shop.example.com",
      [r("route001", "marathon.app=/shop/canary", 10), r("route000", "marathon.app=/shop/web", 90)],
      { sticky: true },
    ),
    ep("*.example.com", [r("route000", "tier=edge", 100)]),
    ep("shop.example.com/api", [r("route000", "marathon.app=/shop/api", 100, "hash:header:x-user")]),
    ep("Shop.Example.com/", [r("route000", "marathon.app=/shop/web", 100)]),
    ep("bad pattern!", [r("route000", "", 100)]),
    ep("dark.example.com", [
      r("route000", "marathon.app=/shop/web", 0),
      r("route001", "marathon.app=/shop/canary", 0),
    ]),
    ep("empty.example.com", []),
    ep("canary.example.com", [
      r("route000", "marathon.app=/shop/web", 100),
      r("route001", "marathon.app=/shop/canary", 0),
    ]),
    ep("orphan.example.com", [
      r("route000", "marathon.app=/gone", 100),
      r("route001", "a=(", 100),
      r("route002", "", 100, "fastest"),
      r("route003", "", 20000),
    ]),
  ],
  backends: [
    backend("web3:0", { "marathon.app": "/shop/web" }),
    backend("web1:0", { "marathon.app": "/shop/web" }),
    backend("web2:0", { "marathon.app": "/shop/web" }),
    backend("canary1:0", { "marathon.app": "/shop/canary" }),
    backend("edge1", { tier: "edge" }),
    backend("api1:0", { "marathon.app": "/shop/api" }),
  ],
};

const ctx = (unavailable: string[] = []): PickContext => ({
  isAvailable: (b) => !unavailable.includes(b.id),
  inFlight: () => 0,
  slowStartFactor: () => 1,
  header: () => undefined,
  cookie: () => undefined,
});

const always = () => true;
const idsOf = (routes: (CompiledRoute | undefined)[]) => routes.map((route) => route?.route.id);

describe("compileTable", () => {
  it("carries the table's version, its content hash and the table itself", () => {
    const compiled = compileTable(table, { random: () => 0.5 });
    expect(compiled.version).toBe(42);
    expect(compiled.hash).toBe(hashTable(table));
    expect(compiled.table).toBe(table);
    expect([...compiled.backendsById.keys()]).toEqual([
      "api1:0",
      "canary1:0",
      "edge1",
      "web1:0",
      "web2:0",
      "web3:0",
    ]);
  });

  it.each<[string, string, string | undefined]>([
    ["SHOP.example.com:8443", "/cart", "shop.example.com"],
    ["shop.example.com", "/api/users", "shop.example.com/api"],
    ["shop.example.com", "/apiary", "shop.example.com"],
    ["a.b.example.com", "/", "*.example.com"],
    ["example.com", "/", undefined],
    ["other.test", "/", undefined],
  ])("matches %s%s to %s", (host, path, pattern) => {
    expect(compileTable(table, { random: () => 0.5 }).match(host, path)?.endpoint.pattern).toBe(pattern);
  });

  it("resolves each route's selector to its backends, sorted by id, and its routes sorted by id", () => {
    const shop = compileTable(table, { random: () => 0.5 }).match("shop.example.com", "/");
    expect(shop?.pattern).toEqual({ host: "shop.example.com", wildcard: false, pathPrefix: "/" });
    expect(shop?.routes.map((route) => [route.route.id, route.backends.map((b) => b.id)])).toEqual([
      ["route000", ["web1:0", "web2:0", "web3:0"]],
      ["route001", ["canary1:0"]],
    ]);
  });

  it("picks routes 90/10 in exactly 9:1 in every 10 picks, evenly spread", () => {
    const shop = compileTable(table, { random: () => 0.5 }).match("shop.example.com", "/");
    const picks = idsOf(Array.from({ length: 30 }, () => shop?.pickRoute(always)));
    const window = [
      "route000",
      "route000",
      "route000",
      "route000",
      "route000",
      "route001",
      "route000",
      "route000",
      "route000",
      "route000",
    ];
    expect(picks).toEqual([...window, ...window, ...window]);
  });

  it("skips routes without candidates and returns undefined when none has any", () => {
    const shop = compileTable(table, { random: () => 0.5 }).match("shop.example.com", "/");
    const noCanary = (route: CompiledRoute) => route.route.id !== "route001";
    expect(new Set(idsOf(Array.from({ length: 20 }, () => shop?.pickRoute(noCanary))))).toEqual(
      new Set(["route000"]),
    );
    expect(shop?.pickRoute((route) => route.route.id === "route001")?.route.id).toBe("route001");
    expect(shop?.pickRoute(() => false)).toBeUndefined();
  });

  it("never picks a route with weight 0, nor one from an endpoint whose routes all have weight 0", () => {
    const compiled = compileTable(table, { random: () => 0.5 });
    const canary = compiled.match("canary.example.com", "/");
    expect(new Set(idsOf(Array.from({ length: 50 }, () => canary?.pickRoute(always))))).toEqual(
      new Set(["route000"]),
    );
    expect(compiled.match("dark.example.com", "/")?.pickRoute(always)).toBeUndefined();
  });

  it("honours the preferred (sticky) route only while it has weight > 0 and candidates, without moving the rotation", () => {
    const compiled = compileTable(table, { random: () => 0.5 });
    const shop = compiled.match("shop.example.com", "/");
    const first = idsOf(Array.from({ length: 4 }, () => shop?.pickRoute(always)));
    expect(idsOf(Array.from({ length: 5 }, () => shop?.pickRoute(always, "route001")))).toEqual(
      Array(5).fill("route001"),
    );
    const rest = idsOf(Array.from({ length: 6 }, () => shop?.pickRoute(always)));
    expect([...first, ...rest]).toEqual([
      "route000",
      "route000",
      "route000",
      "route000",
      "route000",
      "route001",
      "route000",
      "route000",
      "route000",
      "route000",
    ]);
    expect(shop?.pickRoute((route) => route.route.id !== "route001", "route001")?.route.id).toBe("route000");
    expect(shop?.pickRoute(always, "route999")?.route.id).toBeDefined();
    const canary = compiled.match("canary.example.com", "/");
    expect(canary?.pickRoute(always, "route001")?.route.id).toBe("route000");
  });

  it("picks backends with the route's own strategy, among those the caller says are available", () => {
    const web = compileTable(table, { random: () => 0.5 }).match("shop.example.com", "/")?.routes[0];
    const picks = Array.from({ length: 6 }, () => web?.pickBackend(ctx())?.id);
    expect(new Set(picks.slice(0, 3))).toEqual(new Set(["web1:0", "web2:0", "web3:0"]));
    expect(picks.slice(3)).toEqual(picks.slice(0, 3));
    expect(new Set(Array.from({ length: 6 }, () => web?.pickBackend(ctx(["web2:0"]))?.id))).toEqual(
      new Set(["web1:0", "web3:0"]),
    );
    expect(web?.pickBackend(ctx(["web1:0", "web2:0", "web3:0"]))).toBeUndefined();
  });

  it("leaves out an endpoint whose filter would fail every request, naming the endpoint and the field", () => {
    const withBadFilter: RouteTable = {
      ...table,
      endpoints: [
        ...table.endpoints,
        ep("hop.filters.test", [r("route000", "marathon.app=/shop/web", 1)], {
          filters: [{ type: "strip-prefix" }, { type: "request-headers", set: { Connection: "close" } }],
        }),
      ],
    };
    const compiled = compileTable(withBadFilter, { random: () => 0.5 });
    expect(compiled.match("hop.filters.test", "/")).toBeUndefined();
    expect(compiled.warnings).toContainEqual({
      kind: "invalid-endpoint",
      pattern: "hop.filters.test",
      message: expect.stringMatching(
        /^endpoint hop\.filters\.test is left out: filters\[1\]\.set "Connection" is a hop-by-hop header/,
      ),
    });
  });

  it("gives each compile its own route state", () => {
    const a = compileTable(table, { random: () => 0.5 }).match("shop.example.com", "/");
    const b = compileTable(table, { random: () => 0.5 }).match("shop.example.com", "/");
    for (let i = 0; i < 5; i++) a?.pickRoute(always);
    expect(b?.pickRoute(always)?.route.id).toBe("route000");
    expect(a?.pickRoute(always)?.route.id).toBe("route001");
  });

  it("warns about shadowed, empty and invalid endpoints and routes that can never be picked, in table order", () => {
    const { warnings, endpoints } = compileTable(table, { random: () => 0.5 });
    expect(warnings.map((w) => [w.kind, w.pattern, w.routeId])).toEqual([
      ["invalid-endpoint", "bad pattern!", undefined],
      ["invalid-route", "orphan.example.com", "route001"],
      ["invalid-route", "orphan.example.com", "route002"],
      ["invalid-route", "orphan.example.com", "route003"],
      ["shadowed-endpoint", "Shop.Example.com/", undefined],
      ["unpickable-route", "dark.example.com", "route000"],
      ["unpickable-route", "dark.example.com", "route001"],
      ["empty-endpoint", "empty.example.com", undefined],
      ["unpickable-route", "orphan.example.com", "route000"],
    ]);
    expect(warnings.find((w) => w.kind === "shadowed-endpoint")?.message).toBe(
      "endpoint Shop.Example.com/ never gets a request: shop.example.com takes all of them",
    );
    expect(warnings.at(-1)?.message).toBe(
      'route route000 of orphan.example.com: selector "marathon.app=/gone" matches no backend',
    );
    expect(warnings[1]?.message).toMatch(
      /^route route001 of orphan.example.com is left out: selector "a=\(" at position/,
    );
    expect(endpoints.map((e) => e.endpoint.pattern)).not.toContain("bad pattern!");
    expect(
      endpoints.find((e) => e.endpoint.pattern === "orphan.example.com")?.routes.map((x) => x.route.id),
    ).toEqual(["route000"]);
  });

  it("reports a pattern written twice once, on the later copy", () => {
    const twice = {
      ...table,
      endpoints: [
        ep("a.test", [r("route000", "tier=edge", 1)]),
        ep("a.test", [r("route000", "tier=edge", 1)]),
      ],
    };
    const warnings = compileTable(twice, { random: () => 0.5 }).warnings;
    expect(warnings).toEqual([
      {
        kind: "shadowed-endpoint",
        pattern: "a.test",
        message: "endpoint a.test never gets a request: a.test takes all of them",
      },
    ]);
  });

  it("has no warnings for a healthy table", () => {
    const healthy = { ...table, endpoints: table.endpoints.slice(0, 3) };
    expect(compileTable(healthy, { random: () => 0.5 }).warnings).toEqual([]);
  });
});
