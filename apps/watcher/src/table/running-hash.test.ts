import { type Backend, diffTables, type Endpoint, hashTable, type RouteTable } from "@signalbox/route-model";
import { describe, expect, it } from "vitest";
import { hashStateOf } from "./running-hash.js";

const backend = (id: string, weight = 1): Backend => ({
  id,
  service: "s",
  address: "127.0.0.1:80",
  labels: { app: "x" },
  state: "up",
  source: "file",
  connectedAt: 1,
  weight,
});
const endpoint = (pattern: string, weight = 100): Endpoint => ({
  pattern,
  filters: [],
  routes: [{ id: "route000", selector: "app=x", weight, strategy: "round-robin" }],
});
const table = (endpoints: Endpoint[], backends: Backend[]): RouteTable => ({
  version: 1,
  generatedAt: 0,
  endpoints,
  backends,
});

describe("hashStateOf", () => {
  it("follows a chain of changes to the hash of each table", () => {
    const tables = [
      table([endpoint("a.test"), endpoint("b.test")], [backend("a"), backend("b"), backend("c")]),
      table([endpoint("a.test", 5), endpoint("b.test")], [backend("a"), backend("b", 2), backend("c")]),
      table([endpoint("b.test"), endpoint("c.test")], [backend("0"), backend("b", 2)]),
      table([], []),
      table([endpoint("z.test")], [backend("z")]),
    ];
    let state = hashStateOf(tables[0] as RouteTable);
    expect(state.hex()).toBe(hashTable(tables[0] as RouteTable));
    for (let i = 1; i < tables.length; i++) {
      const prev = tables[i - 1] as RouteTable;
      const next = tables[i] as RouteTable;
      state = hashStateOf(next, { before: state, prev, diff: diffTables(prev, next) });
      expect(state.hex()).toBe(hashTable(next));
    }
  });

  it("leaves the state it started from as it was", () => {
    const prev = table([endpoint("a.test")], [backend("a")]);
    const next = table([endpoint("a.test", 1)], [backend("a", 3)]);
    const before = hashStateOf(prev);
    hashStateOf(next, { before, prev, diff: diffTables(prev, next) });
    expect(before.hex()).toBe(hashTable(prev));
  });
});
