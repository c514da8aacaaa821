import { describe, expect, it } from "vitest";
import type { Backend, Endpoint, Route, RouteTable } from "../model/types.js";
import { hashTable, TableHashState } from "./hash.js";

function backend(n: number, labels: Record<string, string>): Backend {
  return {
    id: `shop-web.task-${n}:0`,
    service: "/shop/web",
    address: `10.0.1.${n}:3100${n}`,
    labels,
    state: "up",
    source: "marathon",
    connectedAt: 1_700_000_000_000 + n,
  };
}

const mainRoute: Route = {
  id: "route000",
  selector: "marathon.app=/shop/web",
  weight: 90,
  strategy: "round-robin",
};
const canaryRoute: Route = {
  id: "route001",
  selector: "marathon.app=/shop/web-canary",
  weight: 10,
  strategy: "p2c",
};
const shop: Endpoint = {
  pattern: "shop.example.com",
  routes: [mainRoute, canaryRoute],
  filters: [{ type: "redirect-https", status: 308 }, { type: "strip-prefix" }],
  sticky: true,
};
const api: Endpoint = {
  pattern: "*.example.com/api",
  routes: [{ id: "route000", selector: "tier=api", weight: 100, strategy: "least-load" }],
  filters: [],
};
const endpoints = [shop, api];
const labelsOf = (n: number) => ({ tier: "web", zone: `eu-${n}`, "marathon.app": "/shop/web" });
const first = backend(1, labelsOf(1));
const second = backend(2, labelsOf(2));
const third = backend(3, labelsOf(3));
const backends = [first, second, third];
const table: RouteTable = { version: 7, generatedAt: 1_700_000_000_000, endpoints, backends };

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function reverseKeys<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).reverse()) as T;
}

describe("hashTable", () => {
  it("is a sha256 hex digest", () => {
    expect(hashTable(table)).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([1, 2, 3, 4, 5])(
    "gives the same hash for shuffled endpoints, routes, backends and keys (seed %i)",
    (seed) => {
      const reordered: RouteTable = {
        version: 8,
        generatedAt: 1_800_000_000_000,
        endpoints: shuffled(endpoints, seed).map((e) =>
          reverseKeys({ ...e, routes: shuffled(e.routes, seed + 7).map(reverseKeys) }),
        ),
        backends: shuffled(backends, seed).map((b) => reverseKeys({ ...b, labels: reverseKeys(b.labels) })),
      };
      expect(hashTable(reordered)).toBe(hashTable(table));
    },
  );

  it("ignores version and generatedAt", () => {
    expect(hashTable({ ...table, version: 99, generatedAt: 5 } as RouteTable)).toBe(hashTable(table));
  });

  it.each<[string, RouteTable]>([
    [
      "a route weight",
      { ...table, endpoints: [{ ...shop, routes: [{ ...mainRoute, weight: 80 }, canaryRoute] }, api] },
    ],
    ["a label value", { ...table, backends: [backend(1, { tier: "api" }), second, third] }],
    ["the filter order", { ...table, endpoints: [{ ...shop, filters: [...shop.filters].reverse() }, api] }],
    ["a removed backend", { ...table, backends: [second, third] }],
    ["a removed endpoint", { ...table, endpoints: [api] }],
    ["a backend state", { ...table, backends: [{ ...first, state: "draining" }, second, third] }],
  ])("changes with %s", (_what, changed) => {
    expect(hashTable(changed)).not.toBe(hashTable(table));
  });

  it("does not confuse an endpoint with a backend holding the same text", () => {
    expect(hashTable({ endpoints: [], backends: [] })).not.toBe(
      hashTable({ endpoints: [shop], backends: [] }),
    );
    const text = { pattern: "x", id: "x", routes: [] } as unknown as Endpoint & Backend;
    expect(hashTable({ endpoints: [text], backends: [] })).not.toBe(
      hashTable({ endpoints: [], backends: [text] }),
    );
  });

  it("counts an entry written twice", () => {
    expect(hashTable({ ...table, backends: [...backends, first] })).not.toBe(hashTable(table));
    expect(hashTable({ ...table, endpoints: [...endpoints, api] })).not.toBe(hashTable(table));
  });

  it("changes when two backends swap their labels", () => {
    const swapped = [{ ...first, labels: second.labels }, { ...second, labels: first.labels }, third];
    expect(hashTable({ ...table, backends: swapped })).not.toBe(hashTable(table));
  });

  it.each(["id", "service", "address", "state", "source", "connectedAt", "weight", "load"] as const)(
    "changes when one backend of many changes its %s",
    (field) => {
      const many = Array.from({ length: 200 }, (_, n) => backend(n, labelsOf(n)));
      const before = hashTable({ endpoints, backends: many });
      const target = many[123] as Backend;
      const value = typeof target[field] === "string" ? `${String(target[field])}x` : 42;
      const after = many.map((b) => (b === target ? { ...b, [field]: value } : b));
      expect(hashTable({ endpoints, backends: after })).not.toBe(before);
    },
  );

  it("sees a changed entry built as a new object while an unchanged one keeps its cached digest", () => {
    const before = hashTable(table);
    const changed = { ...second, labels: { ...second.labels, zone: "us-1" } };
    expect(hashTable({ ...table, backends: [first, changed, third] })).not.toBe(before);
    expect(hashTable({ ...table, backends: [first, { ...changed, labels: second.labels }, third] })).toBe(
      before,
    );
  });
});

describe("TableHashState", () => {
  const fourth = backend(4, labelsOf(4));

  it("holding a table's entries gives hashTable's hash, the empty table's included", () => {
    expect(TableHashState.of(table).hex()).toBe(hashTable(table));
    expect(new TableHashState().hex()).toBe(hashTable({ endpoints: [], backends: [] }));
  });

  it("follows a table change by change: add, replace and remove give the new table's hash", () => {
    const state = TableHashState.of(table);
    state.addBackend(fourth);
    state.removeBackend(second);
    state.addBackend({ ...second, state: "draining" });
    state.removeEndpoint(api);
    expect(state.hex()).toBe(
      hashTable({ endpoints: [shop], backends: [first, { ...second, state: "draining" }, third, fourth] }),
    );
  });

  it("comes back to the same hash when a change is undone, in any order", () => {
    const state = TableHashState.of(table);
    state.removeBackend(first);
    state.addEndpoint(api);
    state.addBackend(fourth);
    state.removeEndpoint(api);
    state.addBackend(first);
    state.removeBackend(fourth);
    expect(state.hex()).toBe(hashTable(table));
  });

  it("clones independently", () => {
    const state = TableHashState.of(table);
    const copy = state.clone();
    copy.addBackend(fourth);
    expect(state.hex()).toBe(hashTable(table));
    expect(copy.hex()).toBe(hashTable({ ...table, backends: [...backends, fourth] }));
  });
});
