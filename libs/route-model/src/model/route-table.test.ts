import { describe, expect, it } from "vitest";
import { parseRouteTable } from "./route-table.js";
import type { RouteTable } from "./types.js";

const backend = (id: string, address: string) => ({
  id,
  service: "/shop/web",
  address,
  labels: { "marathon.app": "/shop/web" },
  state: "up" as const,
  source: "marathon" as const,
  connectedAt: 1_614_592_805_900,
});
const valid: RouteTable = {
  version: 12,
  generatedAt: 1_614_592_900_000,
  endpoints: [
    {
      pattern: "shop.example.com",
      routes: [
        { id: "route000", selector: "marathon.app=/shop/web", weight: 90, strategy: "round-robin" },
        { id: "route001", selector: "marathon.app=/shop/canary", weight: 10, strategy: "round-robin" },
      ],
      filters: [],
    },
    { pattern: "api.example.com", routes: [], filters: [] },
  ],
  backends: [
    backend("t1:0", "10.0.1.12:31005"),
    backend("t2:0", "10.0.1.13:31007"),
    backend("t3:0", "[::1]:8080"),
  ],
};

function withChange(change: (table: RouteTable) => void): unknown {
  const copy = structuredClone(valid);
  change(copy);
  return copy;
}

function invalid(field: string, value: unknown) {
  return expect.objectContaining({ code: "SB_INVALID_FIELD", field, value });
}

describe("parseRouteTable", () => {
  it("accepts a valid table", () => {
    expect(parseRouteTable(valid)).toEqual(valid);
  });

  it("accepts the empty version 0 table", () => {
    expect(parseRouteTable({ version: 0, generatedAt: 0, endpoints: [], backends: [] }).version).toBe(0);
  });

  it.each<[string, (t: RouteTable) => void, string, unknown]>([
    [
      "a backend address",
      (t) => Object.assign(t.backends[2] ?? {}, { address: "[::1]" }),
      "backends[2].address",
      "[::1]",
    ],
    [
      "a route weight",
      (t) => Object.assign(t.endpoints[0]?.routes[1] ?? {}, { weight: 10.5 }),
      "endpoints[0].routes[1].weight",
      10.5,
    ],
    [
      "a route selector",
      (t) => Object.assign(t.endpoints[0]?.routes[0] ?? {}, { selector: "a=(b" }),
      "endpoints[0].routes[0].selector",
      "a=(b",
    ],
    [
      "a duplicate backend id",
      (t) => Object.assign(t.backends[1] ?? {}, { id: "t1:0" }),
      "backends[1].id",
      "t1:0",
    ],
    [
      "a duplicate pattern",
      (t) => Object.assign(t.endpoints[1] ?? {}, { pattern: "Shop.Example.com/" }),
      "endpoints[1].pattern",
      "Shop.Example.com/",
    ],
    ["a negative version", (t) => Object.assign(t, { version: -1 }), "version", -1],
    ["a fractional version", (t) => Object.assign(t, { version: 1.5 }), "version", 1.5],
    ["a missing generatedAt", (t) => Object.assign(t, { generatedAt: undefined }), "generatedAt", undefined],
    ["backends not an array", (t) => Object.assign(t, { backends: {} }), "backends", {}],
  ])("rejects %s, naming the field path and the value", (_what, change, field, value) => {
    expect(() => parseRouteTable(withChange(change))).toThrow(invalid(field, value));
  });

  it("says which field and value in its message", () => {
    expect(() =>
      parseRouteTable(withChange((t) => Object.assign(t.backends[0] ?? {}, { load: 140 }))),
    ).toThrow("backends[0].load 140 is not a number 0..100");
  });
});
