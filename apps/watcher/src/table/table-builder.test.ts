import { ManualClock } from "@signalbox/backoff/testing";
import { diffTables, type RouteTable, type TableDiff } from "@signalbox/route-model";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createWatcherMetrics } from "../metrics.js";
import type { ProviderSnapshot } from "../providers/provider.js";
import type { TablePublisher } from "../publish/kv-publisher.js";
import { createTableBuilder } from "./table-builder.js";

/** An in-memory publisher: the "KV" is one variable; `failNext` makes the next write throw. */
function memoryPublisher(initial?: RouteTable) {
  const state = { kv: initial, writes: [] as { version: number; diff: TableDiff }[], failNext: 0 };
  const publisher: TablePublisher = {
    resumePoint: async () => state.kv ?? { version: 0, generatedAt: 0, endpoints: [], backends: [] },
    async publish(_prev, next, diff) {
      if (state.failNext > 0) {
        state.failNext--;
        throw new Error("KV unavailable");
      }
      state.kv = next;
      state.writes.push({ version: next.version, diff });
      return next;
    },
  };
  return { state, publisher };
}

const file = (host: string, weight = 100): ProviderSnapshot => ({
  source: "file",
  endpoints: [
    {
      pattern: host,
      filters: [],
      routes: [{ key: `file:${host}#0`, selector: "app=x", weight, strategy: "round-robin" }],
    },
  ],
  backends: [],
  warnings: [],
});
const marathon: ProviderSnapshot = { source: "marathon", endpoints: [], backends: [], warnings: [] };

function setup(opts: { leader?: boolean; initial?: RouteTable } = {}) {
  const clock = new ManualClock(1_000);
  const { state, publisher } = memoryPublisher(opts.initial);
  let leader = opts.leader ?? true;
  const builder = createTableBuilder({
    clock,
    random: () => 0.5,
    logger: pino({ level: "silent" }),
    metrics: createWatcherMetrics(),
    debounceMs: 0,
    sources: ["file", "marathon"],
    publisher,
    mayWrite: () => leader,
  });
  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      clock.advance(0);
      await builder.idle();
    }
  };
  return { clock, state, builder, settle, setLeader: (value: boolean) => (leader = value) };
}

describe("createTableBuilder", () => {
  it("publishes nothing until every source sent its first snapshot", async () => {
    const { state, builder, settle } = setup();
    builder.resume(await memoryPublisher().publisher.resumePoint());
    builder.update(file("a.test"));
    await settle();
    expect(state.writes).toEqual([]);
    expect(builder.waitingFor()).toEqual(["marathon"]);
    builder.update(marathon);
    await settle();
    expect(state.writes.map((w) => w.version)).toEqual([1]);
    expect(builder.current()?.endpoints[0]?.routes[0]?.id).toBe("route000");
  });

  it("skips a rebuild whose table did not change and bumps the version when it did", async () => {
    const { state, builder, settle } = setup();
    builder.resume({ version: 0, generatedAt: 0, endpoints: [], backends: [] });
    builder.update(marathon);
    builder.update(file("a.test"));
    await settle();
    builder.update(file("a.test"));
    await settle();
    expect(state.writes).toHaveLength(1);
    builder.update(file("a.test", 50));
    await settle();
    expect(state.writes.map((w) => w.version)).toEqual([1, 2]);
    expect(state.writes[1]?.diff.changedEndpoints).toEqual(["a.test"]);
  });

  it("continues from the resumed table's version and keeps its route ids", async () => {
    const { state, builder, settle } = setup();
    builder.update(marathon);
    const snapshot = file("a.test");
    builder.update(snapshot);
    await settle();
    const inKv: RouteTable = {
      version: 41,
      generatedAt: 5,
      endpoints: [
        {
          pattern: "a.test",
          filters: [],
          routes: [{ id: "route007", selector: "app=x", weight: 100, strategy: "round-robin" }],
        },
      ],
      backends: [],
    };
    builder.resume(inKv);
    await settle();
    expect(state.writes).toEqual([]);
    builder.update(file("a.test", 60));
    await settle();
    expect(state.writes.map((w) => w.version)).toEqual([42]);
    expect(builder.current()?.endpoints[0]?.routes.map((r) => [r.id, r.weight])).toEqual([["route007", 60]]);
  });

  it("never writes while it does not hold the lease, and observes what the leader wrote", async () => {
    const { state, builder, settle, setLeader } = setup({ leader: false });
    builder.update(marathon);
    builder.update(file("a.test"));
    await settle();
    expect(state.writes).toEqual([]);
    const seen: number[] = [];
    builder.onTable((table) => seen.push(table.version));
    builder.observe({ version: 9, generatedAt: 0, endpoints: [], backends: [] });
    expect(builder.current()?.version).toBe(9);
    expect(seen).toEqual([9]);
    setLeader(true);
    builder.resume({ version: 9, generatedAt: 0, endpoints: [], backends: [] });
    await settle();
    expect(state.writes.map((w) => w.version)).toEqual([10]);
    builder.pause();
    builder.update(file("b.test"));
    await settle();
    expect(state.writes).toHaveLength(1);
  });

  it("retries a failed publication after a back-off without waiting for another change", async () => {
    const { clock, state, builder, settle } = setup();
    builder.resume({ version: 0, generatedAt: 0, endpoints: [], backends: [] });
    state.failNext = 2;
    builder.update(marathon);
    builder.update(file("a.test"));
    await settle();
    expect(state.writes).toEqual([]);
    clock.advance(500);
    await settle();
    expect(state.writes).toEqual([]);
    clock.advance(1_000);
    await settle();
    expect(state.writes.map((w) => w.version)).toEqual([1]);
    expect(diffTables(undefined, builder.current() as RouteTable).changedEndpoints).toEqual(["a.test"]);
  });

  it("publishes after a small change a diff of just that change, sharing every other entry", async () => {
    const { state, builder, settle } = setup();
    builder.resume({ version: 0, generatedAt: 0, endpoints: [], backends: [] });
    const backends = Array.from({ length: 1_000 }, (_, i) => ({
      id: `m${String(i).padStart(4, "0")}`,
      service: "/x",
      address: `10.0.0.1:${1_000 + i}`,
      labels: { app: "x" },
      state: "up" as const,
      source: "marathon" as const,
      connectedAt: 1,
    }));
    const first = { ...marathon, backends };
    builder.update(first);
    builder.update(file("a.test"));
    await settle();
    const published = builder.current() as RouteTable;
    builder.update({ ...first, backends: backends.map((b, i) => (i === 7 ? { ...b, weight: 3 } : b)) });
    await settle();
    const next = builder.current() as RouteTable;
    expect(state.writes.at(-1)?.diff).toEqual({
      changedEndpoints: [],
      removedEndpoints: [],
      changedBackends: ["m0007"],
      removedBackends: [],
    });
    expect(next.endpoints).toBe(published.endpoints);
    expect(next.backends.filter((b, i) => b !== published.backends[i]).map((b) => b.id)).toEqual(["m0007"]);
  });

  it("after a failed publication, diffs the next one against the table last published", async () => {
    const { clock, state, builder, settle } = setup();
    builder.resume({ version: 0, generatedAt: 0, endpoints: [], backends: [] });
    builder.update(marathon);
    builder.update(file("a.test"));
    await settle();
    state.failNext = 1;
    builder.update(file("a.test", 10));
    await settle();
    builder.update({
      ...file("a.test", 10),
      endpoints: [...file("a.test", 10).endpoints, ...file("b.test").endpoints],
    });
    await settle();
    clock.advance(500);
    await settle();
    expect(state.writes.map((w) => w.version)).toEqual([1, 2]);
    expect(state.writes[1]?.diff.changedEndpoints).toEqual(["a.test", "b.test"]);
  });
});
