import { ManualClock } from "@signalbox/backoff/testing";
import { type Backend, type Endpoint, hashTable, type RouteTable } from "@signalbox/route-model";
import { describe, expect, it } from "vitest";
import { type RouterTable, type TableChangesFrom, TableStore } from "./table-store.js";

function backend(id: string, app: string): Backend {
  return {
    id,
    service: app,
    address: "10.0.0.1:80",
    labels: { app },
    state: "up",
    source: "agent",
    connectedAt: 0,
  };
}

function endpoint(pattern: string, app: string, extra: Partial<Endpoint> = {}): Endpoint {
  return {
    pattern,
    routes: [{ id: "route000", selector: `app=${app}`, weight: 1, strategy: "round-robin" }],
    filters: [{ type: "rate-limit", ratePerSecond: 1, burst: 1 }],
    ...extra,
  };
}

const v1: RouteTable = {
  version: 1,
  generatedAt: 1,
  endpoints: [endpoint("a.test", "a"), endpoint("b.test", "b", { sticky: true })],
  backends: [backend("a1", "a"), backend("b1", "b")],
};

function setup() {
  const swaps: { table: RouterTable; changed: readonly string[] | undefined }[] = [];
  const store = new TableStore({
    clock: new ManualClock(0),
    random: () => 0.5,
    onSwap: (table, changed) => swaps.push({ table, changed }),
  });
  store.apply(v1);
  return { store, swaps, first: store.current() as RouterTable };
}

const changesFrom = (table: RouteTable, endpoints: string[], backends: string[]): TableChangesFrom => ({
  from: { version: table.version, hash: hashTable(table) },
  endpoints,
  backends,
});

const backendIds = (table: RouterTable | undefined, host: string) =>
  table?.match(host, "/")?.compiled.routes[0]?.backends.map((b) => b.id);

describe("TableStore", () => {
  it("compiles only what the changes touch and keeps the filter chains (rate-limit state included)", () => {
    const { store, swaps, first } = setup();
    const v2 = { ...v1, version: 2, backends: [backend("a1", "a"), backend("a2", "a"), backend("b1", "b")] };
    store.apply(v2, changesFrom(v1, [], ["a2"]));
    const second = store.current();
    expect(second?.version).toBe(2);
    expect(backendIds(second, "a.test")).toEqual(["a1", "a2"]);
    expect(second?.match("b.test", "/")).toBe(first.match("b.test", "/"));
    expect(second?.match("a.test", "/")?.compiled).not.toBe(first.match("a.test", "/")?.compiled);
    expect(second?.match("a.test", "/")?.filters).toBe(first.match("a.test", "/")?.filters);
    expect(swaps.map((s) => s.changed)).toEqual([undefined, ["a2"]]);
    expect(first.match("a.test", "/")?.compiled.routes[0]?.backends.map((b) => b.id)).toEqual(["a1"]);
  });

  it("builds a new view for a changed endpoint only, with what changed passed on", () => {
    const { store, swaps, first } = setup();
    const changed = endpoint("b.test", "b", { sticky: false });
    const added = endpoint("c.test", "a");
    const v2 = { ...v1, version: 2, endpoints: [v1.endpoints[0] as Endpoint, changed, added] };
    store.apply(v2, changesFrom(v1, ["b.test", "c.test"], []));
    const second = store.current();
    expect(second?.match("b.test", "/")?.stickyCookie).toBeUndefined();
    expect(second?.match("b.test", "/")?.filters).not.toBe(first.match("b.test", "/")?.filters);
    expect(second?.match("a.test", "/")).toBe(first.match("a.test", "/"));
    expect(backendIds(second, "c.test")).toEqual(["a1"]);
    expect(first.match("b.test", "/")?.stickyCookie).toBeDefined();
    expect(swaps.at(-1)?.changed).toEqual([]);
  });

  it("compiles in full when the changes lead from another table than the current one", () => {
    const { store, swaps, first } = setup();
    const v3 = { ...v1, version: 3, backends: [backend("a1", "a"), backend("b2", "b")] };
    const fromElsewhere = changesFrom({ ...v1, backends: [backend("a1", "a")] }, [], ["b2"]);
    store.apply(v3, fromElsewhere);
    expect(backendIds(store.current(), "b.test")).toEqual(["b2"]);
    expect(store.current()?.match("a.test", "/")?.compiled).not.toBe(first.match("a.test", "/")?.compiled);
    expect(swaps.at(-1)?.changed).toBeUndefined();
  });

  it("skips an older table and one with the same version and content", () => {
    const { store, swaps } = setup();
    expect(store.apply({ ...v1, version: 0 })).toBeUndefined();
    expect(store.apply({ ...v1, generatedAt: 2 }, changesFrom(v1, [], []))).toBeUndefined();
    expect(swaps).toHaveLength(1);
  });
});
