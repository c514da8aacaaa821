import { type Backend, hashTable, type RouteTable } from "@signalbox/route-model";
import { describe, expect, it } from "vitest";
import { makeBackend, makeEndpoint, makeTable } from "../../test/fixtures/route-tables.js";
import { codecs } from "../codecs.js";
import { backendKey, endpointKey, META_KEY } from "../subjects.js";
import { captureLogger } from "../testing/capture-logger.js";
import { encodeEntry } from "./route-entry.js";
import { createRouteTableAssembler, type RouteEntry } from "./route-table-assembler.js";
import { createSkippedKeys } from "./skipped-keys.js";

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
  return entries.map((entry) => assembler.apply(entry)?.table);
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
        msg: "skipped an unusable key in the routes bucket",
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
      "skipped an unusable key in the routes bucket",
      "ignored an invalid routes meta",
    ]);
  });

  it("skips a foreign key that does not decode: the table is still handed out, the key counted and logged once", () => {
    const table = makeTable(3, 1, 1);
    const logs = captureLogger();
    const skipped = createSkippedKeys({ logger: logs.logger });
    const assembler = createRouteTableAssembler({ logger: logs.logger, skipped });
    const foreign = [put("backend.x", text("{")), put("backend.x", text("{")), put("other.y", text("1"))];
    const results = applyAll([foreign[0] as RouteEntry, ...entriesOf(table), ...foreign.slice(1)], assembler);
    expect(results.at(-3)?.version).toBe(1);
    expect(skipped.total).toBe(3);
    expect(skipped.present()).toEqual(["backend.x", "other.y"]);
    expect(logs.lines.filter((l) => l.msg === "skipped an unusable key in the routes bucket")).toEqual([
      expect.objectContaining({ key: "backend.x", reason: expect.stringMatching(/JSON/) }),
      expect.objectContaining({ key: "other.y", reason: "is not a key of the routes bucket" }),
    ]);
    // Deleted (as the leader does), the keys are no longer offered for deletion; the next meta still applies.
    applyAll([del("backend.x"), del("other.y")], assembler);
    expect(skipped.present()).toEqual([]);
    expect(assembler.apply(metaOf({ ...table, version: 2 }))?.table.version).toBe(2);
  });

  it("hands out with each table the keys whose content changed since the table before, and that table's hash", () => {
    const v1 = makeTable(6, 1, 3);
    const assembler = createRouteTableAssembler();
    applyAll(entriesOf(v1).slice(0, -1), assembler);
    const first = assembler.apply(metaOf(v1));
    expect(first?.table.version).toBe(1);
    expect(first?.changes).toBeUndefined();
    expect(assembler.apply(metaOf(v1))?.changes).toEqual({
      from: { version: 1, hash: hashTable(v1) },
      endpoints: [],
      backends: [],
    });
    const changed = makeBackend(2, "v2");
    const added = makeBackend(9);
    const endpoint = makeEndpoint(1, 50);
    const v2: RouteTable = {
      ...v1,
      version: 2,
      endpoints: v1.endpoints.map((e) => (e.pattern === endpoint.pattern ? endpoint : e)),
      backends: [...v1.backends.filter((b) => b.id !== makeBackend(4).id), added].map((b) =>
        b.id === changed.id ? changed : b,
      ),
    };
    const results = [
      put(backendKey(changed.id), encodeEntry(changed)),
      put(backendKey(makeBackend(3).id), encodeEntry(makeBackend(3))), // rewritten, same content
      del(backendKey(makeBackend(4).id)),
      put(backendKey(added.id), encodeEntry(added)),
      put(endpointKey(endpoint.pattern), encodeEntry(endpoint)),
      put(endpointKey(makeEndpoint(2).pattern), encodeEntry(makeEndpoint(2))), // same content
      metaOf(v2),
    ].map((entry) => assembler.apply(entry));
    expect(results.at(-1)?.changes).toEqual({
      from: { version: 1, hash: hashTable(v1) },
      endpoints: [endpoint.pattern],
      backends: [changed.id, makeBackend(4).id, added.id].sort(),
    });
  });

  it("lists every change since the last table handed out across metas it could not use", () => {
    const v1 = makeTable(4, 1, 1);
    const assembler = createRouteTableAssembler();
    applyAll(entriesOf(v1), assembler);
    const v3: RouteTable = { ...v1, version: 3, backends: v1.backends.slice(2) };
    const results = [
      del(backendKey(makeBackend(0).id)),
      metaOf({ ...v1, version: 2, backends: v1.backends.slice(1) }, { hash: "0".repeat(64) }),
      del(backendKey(makeBackend(1).id)),
      metaOf(v3),
    ].map((entry) => assembler.apply(entry));
    expect(results.map((r) => r?.table.version)).toEqual([undefined, undefined, undefined, 3]);
    expect(results[3]?.changes).toEqual({
      from: { version: 1, hash: hashTable(v1) },
      endpoints: [],
      backends: [makeBackend(0).id, makeBackend(1).id],
    });
  });

  it("patches its sorted tables change by change into what a fresh read gives, leaving earlier tables as they were", () => {
    const assembler = createRouteTableAssembler();
    let table = makeTable(40, 1, 6);
    const firstTable = applyAll(entriesOf(table), assembler).at(-1) as RouteTable;
    const firstIds = firstTable.backends.map((b) => b.id);
    let latest: RouteTable | undefined;
    for (let version = 2; version <= 8; version++) {
      const drop = makeBackend(version * 3).id;
      const backends = [
        ...table.backends.filter((b) => b.id !== drop),
        makeBackend(100 + version),
        makeBackend(version, `v${version}`),
      ];
      const next: RouteTable = {
        ...table,
        version,
        endpoints: table.endpoints.filter((_, i) => i !== version % 4),
        backends: [...new Map(backends.map((b) => [b.id, b])).values()],
      };
      const entries = [
        ...next.backends.map((b) => put(backendKey(b.id), encodeEntry(b))),
        ...table.backends
          .filter((b) => !next.backends.some((n) => n.id === b.id))
          .map((b) => del(backendKey(b.id))),
        ...table.endpoints.filter((e) => !next.endpoints.includes(e)).map((e) => del(endpointKey(e.pattern))),
        metaOf(next),
      ];
      latest = applyAll(entries, assembler).at(-1);
      expect(latest?.version).toBe(version);
      table = next;
    }
    const fresh = applyAll(entriesOf(table)).at(-1);
    expect(latest).toEqual(fresh);
    expect(latest?.backends.map((b) => b.id)).toEqual(table.backends.map((b) => b.id).sort());
    expect(firstTable.backends.map((b) => b.id)).toEqual(firstIds);
  });
});
