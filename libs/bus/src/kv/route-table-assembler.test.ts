import { type Backend, hashTable, type RouteTable } from "@signalbox/route-model";
import { describe, expect, it } from "vitest";
import { makeBackend, makeEndpoint, makeTable } from "../../test/fixtures/route-tables.js";
import { codecs } from "../codecs.js";
import { backendKey, endpointKey, META_KEY } from "../subjects.js";
import { captureLogger } from "../testing/capture-logger.js";
import { encodeEntry } from "./route-entry.js";
import { createRouteTableAssembler, type RouteEntry } from "./route-table-assembler.js";

const text = (value: string) => new TextEncoder().encode(value);

/** The entries a writer puts for `table`, `meta` last. */
function entriesOf(table: RouteTable): RouteEntry[] {
  return [
    ...table.endpoints.map((e) => put(endpointKey(e.pattern), encodeEntry(e))),
    ...table.backends.map((b) => put(backendKey(b.id), encodeEntry(b))),
    metaOf(table),
  ];
}

function metaOf(
  table: RouteTable,
  overrides: Partial<{ hash: string; backendCount: number }> = {},
): RouteEntry {
  return put(
    META_KEY,
    codecs.routesMeta.encode({
      version: table.version,
      hash: overrides.hash ?? hashTable(table),
      generatedAt: table.generatedAt,
      endpointCount: table.endpoints.length,
      backendCount: overrides.backendCount ?? table.backends.length,
    }),
  );
}

function put(key: string, value: Uint8Array): RouteEntry {
  return { key, operation: "PUT", value };
}

function del(key: string): RouteEntry {
  return { key, operation: "DEL", value: new Uint8Array() };
}

function applyAll(
  entries: RouteEntry[],
  assembler = createRouteTableAssembler(),
): (RouteTable | undefined)[] {
  return entries.map((entry) => assembler.apply(entry));
}

describe("createRouteTableAssembler", () => {
  it("yields the written table at its meta and nothing before", () => {
    const table = makeTable(20, 3, 4);
    const results = applyAll(entriesOf(table));
    expect(results.slice(0, -1).every((r) => r === undefined)).toBe(true);
    const last = results.at(-1);
    expect(last?.version).toBe(3);
    expect(last?.generatedAt).toBe(table.generatedAt);
    expect(last && hashTable(last)).toBe(hashTable(table));
    expect(last?.backends.map((b) => b.id)).toEqual(table.backends.map((b) => b.id).sort());
  });

  it("yields an empty table for a meta of an empty table", () => {
    const empty: RouteTable = { version: 1, generatedAt: 5, endpoints: [], backends: [] };
    expect(applyAll([metaOf(empty)])).toEqual([empty]);
  });

  it("skips a meta the entries do not add up to (a watch started mid-write), then yields the next", () => {
    const v1 = makeTable(10, 1, 3);
    const changed: Backend = makeBackend(4, "v2");
    const v2: RouteTable = {
      ...v1,
      version: 2,
      backends: v1.backends.filter((b) => b.id !== makeBackend(7).id),
    };
    v2.backends = v2.backends.map((b) => (b.id === changed.id ? changed : b));
    // With history 1 the snapshot lacks v1's values of the keys v2 rewrote: they come after meta v1.
    const touched = new Set([backendKey(changed.id), backendKey(makeBackend(7).id)]);
    const snapshot = [
      ...entriesOf(v1).filter((e) => e.key !== META_KEY && !touched.has(e.key)),
      metaOf(v1),
      put(backendKey(changed.id), encodeEntry(changed)),
      del(backendKey(makeBackend(7).id)),
      metaOf(v2),
    ];
    const logs = captureLogger();
    const results = applyAll(snapshot, createRouteTableAssembler({ logger: logs.logger }));
    const tables = results.filter((r): r is RouteTable => r !== undefined);
    expect(tables.map((t) => t.version)).toEqual([2]);
    expect(hashTable(tables[0] as RouteTable)).toBe(hashTable(v2));
    expect(logs.messages()).toContain(
      "routes meta does not match the entries read so far; waiting for the next meta",
    );
  });

  it("applies deletes and changes between metas", () => {
    const v1 = makeTable(5, 1, 2);
    const v2: RouteTable = {
      ...v1,
      version: 2,
      endpoints: [makeEndpoint(0, 7)],
      backends: v1.backends.slice(1),
    };
    const [first, second] = applyAll([
      ...entriesOf(v1),
      put(endpointKey(makeEndpoint(0).pattern), encodeEntry(makeEndpoint(0, 7))),
      del(endpointKey(makeEndpoint(1).pattern)),
      { key: backendKey(makeBackend(0).id), operation: "PURGE", value: new Uint8Array() },
      metaOf(v2),
    ]).filter((r) => r !== undefined);
    expect(first?.version).toBe(1);
    expect(second && hashTable(second)).toBe(hashTable(v2));
    expect(second?.endpoints[0]?.routes[0]?.weight).toBe(7);
  });

  it("yields nothing while the hash differs even though the counts match", () => {
    const table = makeTable(3, 1, 1);
    const entries = [...entriesOf(table).slice(0, -1), metaOf(table, { hash: "0".repeat(64) })];
    expect(applyAll(entries).every((r) => r === undefined)).toBe(true);
  });

  it("holds back every table while an entry is invalid, naming the key, until it is fixed", () => {
    const table = makeTable(3, 1, 1);
    const key = backendKey(makeBackend(1).id);
    const logs = captureLogger();
    const assembler = createRouteTableAssembler({ logger: logs.logger });
    const broken = entriesOf(table).map((e) => (e.key === key ? put(key, text('{"id":1}')) : e));
    expect(applyAll(broken, assembler).every((r) => r === undefined)).toBe(true);
    expect(logs.lines).toContainEqual(
      expect.objectContaining({
        msg: "invalid entry in the routes bucket",
        key,
        reason: expect.stringMatching(/id/),
      }),
    );
    expect(applyAll([put(key, encodeEntry(makeBackend(1))), metaOf(table)], assembler)[1]?.version).toBe(1);
  });

  it("treats an entry whose id differs from its key as invalid", () => {
    const table = makeTable(2, 1, 0);
    const swapped = entriesOf(table).map((e) =>
      e.key === backendKey(makeBackend(0).id) ? put(e.key, encodeEntry(makeBackend(9))) : e,
    );
    const logs = captureLogger();
    expect(applyAll(swapped, createRouteTableAssembler({ logger: logs.logger })).at(-1)).toBeUndefined();
    expect(logs.lines.some((l) => String(l.reason).startsWith('holds "shop_web.task-9:0"'))).toBe(true);
  });

  it("ignores unknown keys and invalid metas, logging them", () => {
    const logs = captureLogger();
    const assembler = createRouteTableAssembler({ logger: logs.logger });
    expect(assembler.apply(put("something.else", text("{}")))).toBeUndefined();
    expect(assembler.apply(put(META_KEY, text('{"version":"x"}')))).toBeUndefined();
    expect(assembler.apply(del(META_KEY))).toBeUndefined();
    expect(logs.messages()).toEqual([
      "ignored an unknown key in the routes bucket",
      "ignored an invalid routes meta",
    ]);
  });
});
