// signalbox-routes through the KV helpers against a private nats-server: a 10,000-backend
// table written and read back with the same hash, a diff applied, stale keys removed,
// and followers that only ever see consistent tables.
import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { connect } from "@nats-io/transport-node";
import { diffTables, hashTable, type RouteTable } from "@signalbox/route-model";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { codecs } from "../src/codecs.js";
import { RouteTableError } from "../src/errors.js";
import { openConfigBucket, openRoutesBucket } from "../src/kv/buckets.js";
import {
  createSkippedKeys,
  followRouteTables,
  type RouteTableChanges,
  readRouteTable,
} from "../src/kv/routes-reader.js";
import { writeRouteTable } from "../src/kv/routes-writer.js";
import { backendKey, META_KEY } from "../src/subjects.js";
import { type NatsServer, startNatsServer } from "../src/testing/index.js";
import { makeBackend, makeEndpoint, makeTable } from "./fixtures/route-tables.js";

let nats: NatsServer;
let nc: NatsConnection;
let kv: KV;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
});

afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

beforeEach(async () => {
  kv = await openRoutesBucket(nc);
  await kv.destroy();
  kv = await openRoutesBucket(nc);
});

/** A follower collecting tables until stopped. */
function follow(bucket: KV) {
  const controller = new AbortController();
  const tables: RouteTable[] = [];
  const changes: (RouteTableChanges | undefined)[] = [];
  const done = followRouteTables(bucket, {
    signal: controller.signal,
    onTable: (t, c) => {
      tables.push(t);
      changes.push(c);
    },
  });
  return {
    tables,
    changes,
    async until(condition: () => boolean, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`follower saw versions ${tables.map((t) => t.version)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async stop() {
      controller.abort();
      await done;
    },
  };
}

describe("buckets", () => {
  it("creates both buckets idempotently with their fixed config, even concurrently", async () => {
    const other = await connect({ servers: nats.url });
    try {
      const opened = await Promise.all([openRoutesBucket(nc), openRoutesBucket(other), openConfigBucket(nc)]);
      const [routes, , config] = await Promise.all(opened.map((bucket) => bucket.status()));
      expect(routes?.bucket).toBe("signalbox-routes");
      expect(routes?.history).toBe(1);
      expect(routes?.ttl).toBe(0);
      expect(config?.bucket).toBe("signalbox-config");
      expect(config?.history).toBe(5);
      await openConfigBucket(other);
    } finally {
      await other.close();
    }
  });
});

describe("writeRouteTable / readRouteTable", () => {
  it("reads version 0 and an empty table before anything was written", async () => {
    expect(await readRouteTable(kv)).toEqual({ version: 0, generatedAt: 0, endpoints: [], backends: [] });
  });

  it("writes 10,000 backends and reads back the same hash; then a diff gives the new hash", async () => {
    const v1 = makeTable(10_000, 1, 500);
    let started = performance.now();
    expect(await writeRouteTable(kv, undefined, v1)).toEqual({
      written: 10_500,
      deleted: 0,
      hash: hashTable(v1),
      repaired: [],
    });
    const writeMs = performance.now() - started;
    started = performance.now();
    const read1 = await readRouteTable(kv);
    const readMs = performance.now() - started;
    console.info(
      `10,000 backends + 500 endpoints: write ${writeMs.toFixed(0)} ms, read ${readMs.toFixed(0)} ms`,
    );
    expect(read1.version).toBe(1);
    expect(read1.backends).toHaveLength(10_000);
    expect(read1.endpoints).toHaveLength(500);
    expect(hashTable(read1)).toBe(hashTable(v1));

    // 100 backends changed, 50 removed, 20 added; one endpoint changed, one removed.
    const v2: RouteTable = {
      version: 2,
      generatedAt: v1.generatedAt + 1,
      endpoints: [makeEndpoint(0, 55), ...v1.endpoints.slice(2)],
      backends: [
        ...v1.backends.slice(0, 100).map((b) => ({ ...b, state: "draining" as const })),
        ...v1.backends.slice(150),
        ...Array.from({ length: 20 }, (_, i) => makeBackend(20_000 + i)),
      ],
    };
    expect(await writeRouteTable(kv, v1, v2)).toMatchObject({ written: 121, deleted: 51 });
    const read2 = await readRouteTable(kv);
    expect(read2.version).toBe(2);
    expect(read2.backends).toHaveLength(9_970);
    expect(hashTable(read2)).toBe(hashTable(v2));
    expect(hashTable(read2)).not.toBe(hashTable(read1));
  });

  it("without prev, deletes every endpoint and backend key the new table lacks", async () => {
    await writeRouteTable(kv, undefined, makeTable(30, 1, 5));
    const smaller = makeTable(10, 2, 2);
    expect(await writeRouteTable(kv, undefined, smaller)).toMatchObject({ written: 12, deleted: 23 });
    const read = await readRouteTable(kv);
    expect(hashTable(read)).toBe(hashTable(smaller));
    const keys: string[] = [];
    for await (const key of await kv.keys()) keys.push(key);
    expect(keys).toHaveLength(13);
    expect(keys).toContain(META_KEY);
  });

  it("rejects a duplicate backend id or an entry a reader would change, writing nothing", async () => {
    const table = makeTable(3, 1, 1);
    const duplicate = { ...table, backends: [...table.backends, makeBackend(0)] };
    await expect(writeRouteTable(kv, undefined, duplicate)).rejects.toThrow(RouteTableError);
    const extra = { ...table, backends: [{ ...makeBackend(0), extra: true } as never] };
    await expect(writeRouteTable(kv, undefined, extra)).rejects.toThrow(/drop or change/);
    const invalid = { ...table, backends: [{ ...makeBackend(0), address: "nowhere" }] };
    await expect(writeRouteTable(kv, undefined, invalid)).rejects.toThrow(/backend\.shop_web.*is not valid/);
    expect(await kv.get(META_KEY)).toBeNull();
  });

  it("writes the keys of the caller's diff and the caller's hash, computing neither again", async () => {
    const v1 = makeTable(4, 1, 1);
    await writeRouteTable(kv, undefined, v1);
    const v2: RouteTable = { ...v1, version: 2, backends: v1.backends.map((b) => ({ ...b, weight: 5 })) };
    const diff = {
      changedEndpoints: [],
      removedEndpoints: [],
      changedBackends: [v2.backends[1]?.id as string],
      removedBackends: [],
    };
    expect(await writeRouteTable(kv, v1, v2, { diff, hash: "given" })).toEqual({
      written: 1,
      deleted: 0,
      hash: "given",
      repaired: [],
    });
    const meta = codecs.routesMeta.decode((await kv.get(META_KEY))?.value ?? new Uint8Array());
    expect(meta.ok && meta.value.hash).toBe("given");
    const stored = await kv.get(backendKey(v2.backends[0]?.id as string));
    expect(JSON.parse(stored?.string() ?? "{}").weight).toBeUndefined();
    expect(
      JSON.parse((await kv.get(backendKey(diff.changedBackends[0] as string)))?.string() ?? "{}").weight,
    ).toBe(5);
  });

  it("refuses a duplicate id even when the caller's diff does not mention it", async () => {
    const v1 = makeTable(5, 1, 1);
    await writeRouteTable(kv, undefined, v1);
    const next = { ...v1, version: 2, backends: [...v1.backends, makeBackend(2)] };
    const diff = { changedEndpoints: [], removedEndpoints: [], changedBackends: [], removedBackends: [] };
    await expect(writeRouteTable(kv, v1, next, { diff })).rejects.toThrow(/appears twice/);
    const meta = codecs.routesMeta.decode((await kv.get(META_KEY))?.value ?? new Uint8Array());
    expect(meta.ok && meta.value.version).toBe(1);
  });

  it("rejects naming the key when JetStream does not store a write, and writes no meta", async () => {
    const v1 = makeTable(10, 1, 1);
    await writeRouteTable(kv, undefined, v1);
    await kv.destroy();
    const error = await writeRouteTable(kv, v1, makeTable(50, 2, 2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RouteTableError);
    expect((error as RouteTableError).message).toMatch(/^route table (endpoint|backend)\..*: not stored: /);
    kv = await openRoutesBucket(nc);
    expect(await kv.get(META_KEY)).toBeNull();
  });

  it("refuses a bucket handle it cannot pipeline writes on", async () => {
    const other = await new Kvm(nc).create("signalbox-routes", { history: 1 });
    await expect(writeRouteTable(other, undefined, makeTable(1, 1, 1))).rejects.toThrow(/openRoutesBucket/);
  });

  it("waits for the meta of a write in progress instead of returning a mix", async () => {
    await writeRouteTable(kv, undefined, makeTable(100, 1, 5));
    const v2 = makeTable(100, 2, 5);
    v2.backends = v2.backends.map((b) => ({ ...b, labels: { ...b.labels, version: "v2" } }));
    // Half of v2's keys, no meta yet: a reader must not return v1 with half of v2 mixed in.
    for (const b of v2.backends.slice(0, 50)) await kv.put(backendKey(b.id), JSON.stringify(b));
    const reading = readRouteTable(kv);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await writeRouteTable(kv, makeTable(100, 1, 5), v2);
    const read = await reading;
    expect(read.version).toBe(2);
    expect(hashTable(read)).toBe(hashTable(v2));
  });

  it("gives up after its timeout instead of waiting for a meta forever", async () => {
    await writeRouteTable(kv, undefined, makeTable(10, 1, 1));
    await kv.put(backendKey("orphan"), JSON.stringify({ ...makeBackend(99), id: "orphan" }));
    await kv.put(META_KEY, (await kv.get(META_KEY))?.value ?? "");
    const started = Date.now();
    await expect(readRouteTable(kv, { timeoutMs: 200 })).rejects.toThrow(
      "no consistent route table in signalbox-routes within 200 ms",
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("reads past a foreign key that does not decode, counting it", async () => {
    await writeRouteTable(kv, undefined, makeTable(10, 1, 1));
    await kv.put("backend.x", "{");
    await kv.put(META_KEY, (await kv.get(META_KEY))?.value ?? "");
    const skipped = createSkippedKeys();
    expect((await readRouteTable(kv, { skipped, timeoutMs: 5_000 })).version).toBe(1);
    expect(skipped.present()).toEqual(["backend.x"]);
  });

  it("deletes foreign keys the table has no entry under, and puts back the table's entry under a rewritten key", async () => {
    const v1 = makeTable(10, 1, 1);
    await writeRouteTable(kv, undefined, v1);
    const overwritten = backendKey(v1.backends[0]?.id as string);
    await kv.put(overwritten, "{");
    await kv.put("backend.x", "{");
    await kv.put("not.ours", "1");
    const v2 = { ...v1, version: 2 };
    const result = await writeRouteTable(kv, v1, v2, {
      foreignKeys: ["backend.x", "not.ours", backendKey(v1.backends[1]?.id as string)],
      rewriteKeys: [overwritten],
    });
    expect(result.repaired).toEqual([overwritten, "backend.x", "not.ours"]);
    const keys: string[] = [];
    for await (const key of await kv.keys()) keys.push(key);
    expect(keys).not.toContain("backend.x");
    expect(keys).not.toContain("not.ours");
    expect(hashTable(await readRouteTable(kv))).toBe(hashTable(v2));
  });

  it("stops waiting when its signal aborts", async () => {
    await writeRouteTable(kv, undefined, makeTable(10, 1, 1));
    await kv.put(backendKey("orphan"), JSON.stringify({ ...makeBackend(99), id: "orphan" }));
    await kv.put(META_KEY, (await kv.get(META_KEY))?.value ?? "");
    const controller = new AbortController();
    const reading = readRouteTable(kv, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("gave up")), 100);
    await expect(reading).rejects.toThrow("gave up");
  });
});

describe("followRouteTables", () => {
  it("sees the current table, then every later version, each one consistent", async () => {
    const written: RouteTable[] = [makeTable(200, 1, 10)];
    await writeRouteTable(kv, undefined, written[0] as RouteTable);
    const follower = follow(kv);
    await follower.until(() => follower.tables.length === 1);
    for (let version = 2; version <= 6; version++) {
      const prev = written.at(-1) as RouteTable;
      const next: RouteTable = {
        ...prev,
        version,
        backends: prev.backends.slice(1).map((b) => ({ ...b, rps: version })),
      };
      await writeRouteTable(kv, prev, next);
      written.push(next);
    }
    await follower.until(() => follower.tables.at(-1)?.version === 6);
    await follower.stop();
    const hashes = new Map(written.map((t) => [t.version, hashTable(t)]));
    expect(follower.tables.map((t) => t.version)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const table of follower.tables) expect(hashTable(table)).toBe(hashes.get(table.version));
    expect(follower.changes[0]).toBeUndefined();
    follower.changes.slice(1).forEach((changes, i) => {
      const diff = diffTables(written[i], written[i + 1] as RouteTable);
      expect(changes).toEqual({
        from: { version: i + 1, hash: hashes.get(i + 1) },
        endpoints: [],
        backends: [...diff.changedBackends, ...diff.removedBackends].sort(),
      });
    });
  });

  it("started during a large write, sees only whole tables", async () => {
    const v1 = makeTable(2_000, 1, 20);
    await writeRouteTable(kv, undefined, v1);
    const v2: RouteTable = { ...v1, version: 2, backends: v1.backends.map((b) => ({ ...b, load: 50 })) };
    const writing = writeRouteTable(kv, v1, v2);
    const follower = follow(kv);
    await writing;
    await follower.until(() => follower.tables.at(-1)?.version === 2);
    await follower.stop();
    const expected = new Map([
      [1, hashTable(v1)],
      [2, hashTable(v2)],
    ]);
    for (const table of follower.tables) expect(hashTable(table)).toBe(expected.get(table.version));
  });

  it("keeps following across a nats-server restart", async () => {
    const v1 = makeTable(10, 1, 2);
    await writeRouteTable(kv, undefined, v1);
    const follower = follow(kv);
    await follower.until(() => follower.tables.length === 1);
    const reconnected = (async () => {
      for await (const status of nc.status()) if (status.type === "reconnect") return;
    })();
    await nats.restart();
    await reconnected;
    const v2 = makeTable(12, 2, 2);
    await writeRouteTable(kv, v1, v2);
    await follower.until(() => follower.tables.at(-1)?.version === 2);
    await follower.stop();
    expect(hashTable(follower.tables.at(-1) as RouteTable)).toBe(hashTable(v2));
    expect(follower.changes.at(-1)?.from).toEqual({ version: 1, hash: hashTable(v1) });
  });

  it("resolves when its signal aborts", async () => {
    const follower = follow(kv);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await follower.stop();
    expect(follower.tables).toEqual([]);
  });
});
