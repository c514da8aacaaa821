import { type Backend, CidrSet, createDeniedRanges, diffTables, type Endpoint } from "@signalbox/route-model";
import { describe, expect, it } from "vitest";
import type { ProviderEndpoint, ProviderSnapshot } from "../providers/provider.js";
import { refuseDeniedAddresses } from "./denied-backends.js";
import { createSnapshotMerger } from "./merge-snapshots.js";

const backend = (id: string, source: Backend["source"]): Backend => ({
  id,
  service: "svc",
  address: "127.0.0.1:80",
  labels: {},
  state: "up",
  source,
  connectedAt: 1,
});

const endpoint = (
  pattern: string,
  keys: string[],
  extra: Partial<ProviderEndpoint> = {},
): ProviderEndpoint => ({
  pattern,
  filters: [],
  routes: keys.map((key) => ({
    key,
    selector: `k=${key.replace(/\W/g, "")}`,
    weight: 100,
    strategy: "round-robin",
  })),
  ...extra,
});

const snapshot = (
  source: ProviderSnapshot["source"],
  parts: Partial<ProviderSnapshot>,
): ProviderSnapshot => ({
  source,
  endpoints: [],
  backends: [],
  warnings: [],
  ...parts,
});

describe("createSnapshotMerger", () => {
  it("leaves out a backend at a link-local address with a warning naming it and its source", () => {
    const merger = createSnapshotMerger({ refuseBackend: refuseDeniedAddresses(createDeniedRanges()) });
    const metadata = { ...backend("evil", "agent"), address: "169.254.169.254:80" };
    const v6 = { ...backend("m6", "marathon"), address: "[fe80::1]:8080" };
    const merged = merger.merge([
      snapshot("marathon", { backends: [backend("m1", "marathon"), v6] }),
      snapshot("agent", { backends: [metadata] }),
    ]);
    expect(merged.backends.map((b) => b.id)).toEqual(["m1"]);
    expect(merged.warnings).toEqual([
      "backend evil (service svc, from agent): address 169.254.169.254:80 is in the denied range 169.254.0.0/16; left out",
      "backend m6 (service svc, from marathon): address [fe80::1]:8080 is in the denied range fe80::/10; left out",
    ]);
    // Moved to an allowed address, it joins the table and the warning goes.
    const moved = merger.merge([
      snapshot("marathon", { backends: [backend("m1", "marathon"), v6] }),
      snapshot("agent", { backends: [{ ...metadata, address: "127.0.0.1:81" }] }),
    ]);
    expect(moved.backends.map((b) => b.id)).toEqual(["evil", "m1"]);
    expect(moved.warnings).toHaveLength(1);
  });

  it("leaves out backends in the operator's denied ranges", () => {
    const ranges = createDeniedRanges(CidrSet.parse("10.0.0.0/8"));
    const merger = createSnapshotMerger({ refuseBackend: refuseDeniedAddresses(ranges) });
    const inside = { ...backend("f1", "file"), address: "10.1.2.3:80" };
    const merged = merger.merge([snapshot("file", { backends: [inside, backend("f2", "file")] })]);
    expect(merged.backends.map((b) => b.id)).toEqual(["f2"]);
    expect(merged.warnings).toEqual([
      expect.stringContaining(
        "backend f1 (service svc, from file): address 10.1.2.3:80 is in the denied range 10.0.0.0/8",
      ),
    ]);
  });

  it("joins endpoints of every source by normalised pattern and numbers their routes", () => {
    const merger = createSnapshotMerger();
    const merged = merger.merge([
      snapshot("marathon", {
        endpoints: [endpoint("Shop.test/", ["marathon:/a:0"])],
        backends: [backend("m1", "marathon")],
      }),
      snapshot("file", {
        endpoints: [endpoint("shop.test", ["file:shop.test#0"])],
        backends: [backend("f1", "file")],
      }),
    ]);
    expect(merged.endpoints).toHaveLength(1);
    expect(merged.endpoints[0]?.pattern).toBe("shop.test");
    // The file comes first (precedence), so its route is numbered first.
    expect(merged.endpoints[0]?.routes.map((r) => [r.id, r.selector])).toEqual([
      ["route000", "k=fileshoptest0"],
      ["route001", "k=marathona0"],
    ]);
    expect(merged.backends.map((b) => b.id)).toEqual(["f1", "m1"]);
    expect(merged.warnings).toEqual([]);
  });

  it("takes endpoint settings from the first source by precedence and warns about the other", () => {
    const merger = createSnapshotMerger();
    const merged = merger.merge([
      snapshot("marathon", { endpoints: [endpoint("a.test", ["m"], { sticky: true })] }),
      snapshot("api", {
        endpoints: [endpoint("a.test", ["api:1"], { filters: [{ type: "strip-prefix" }] })],
      }),
    ]);
    expect(merged.endpoints[0]?.filters).toEqual([{ type: "strip-prefix" }]);
    expect(merged.endpoints[0]?.sticky).toBeUndefined();
    expect(merged.warnings).toEqual([
      "endpoint a.test: marathon settings ignored, api defines this endpoint's filters",
    ]);
  });

  it("keeps the first backend of a repeated id and warns", () => {
    const merger = createSnapshotMerger();
    const merged = merger.merge([
      snapshot("agent", { backends: [backend("x", "agent")] }),
      snapshot("file", { backends: [backend("x", "file")] }),
    ]);
    expect(merged.backends.map((b) => b.source)).toEqual(["file"]);
    expect(merged.warnings[0]).toBe("backend x: from agent ignored, file has this id");
  });

  it("applies weight overrides by route id and warns about unknown routes and endpoints", () => {
    const merger = createSnapshotMerger();
    const merged = merger.merge([
      snapshot("marathon", { endpoints: [endpoint("a.test", ["k1", "k2"])] }),
      snapshot("api", {
        weightOverrides: { "A.test": { route001: 5, route009: 1 }, "b.test": { route000: 3 } },
      }),
    ]);
    expect(merged.endpoints[0]?.routes.map((r) => r.weight)).toEqual([100, 5]);
    expect(merged.warnings).toEqual([
      "weight override A.test route009: no such route; ignored",
      "weight override b.test route000: no such endpoint; ignored",
    ]);
  });

  it("leaves out an invalid endpoint with a warning naming it; the rest stands", () => {
    const merger = createSnapshotMerger();
    const bad = endpoint("bad.test", ["k"]);
    const route = bad.routes[0];
    if (route) route.selector = "in (";
    const merged = merger.merge([snapshot("file", { endpoints: [bad, endpoint("good.test", ["k"])] })]);
    expect(merged.endpoints.map((e) => e.pattern)).toEqual(["good.test"]);
    expect(merged.warnings[0]).toMatch(/^endpoint bad\.test left out: .*selector/);
  });

  it("returns the same endpoint object when nothing about it changed", () => {
    const merger = createSnapshotMerger();
    const first = merger.merge([
      snapshot("file", { endpoints: [endpoint("a.test", ["k"]), endpoint("b.test", ["k"])] }),
    ]);
    const second = merger.merge([
      snapshot("file", { endpoints: [endpoint("a.test", ["k"]), endpoint("b.test", ["k", "k2"])] }),
    ]);
    expect(second.endpoints[0]).toBe(first.endpoints[0]);
    expect(second.endpoints[1]).not.toBe(first.endpoints[1]);
  });
});

/** mulberry32: a small seeded generator, so a failing sequence can be replayed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("createSnapshotMerger, incrementally", () => {
  const sources: ProviderSnapshot["source"][] = ["api", "file", "marathon", "agent"];
  const patterns = ["a.test", "A.test/", "b.test", "b.test/x", "*.c.test", "d.test", "not a pattern!"];

  function randomSnapshot(random: () => number, source: ProviderSnapshot["source"]): ProviderSnapshot {
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
    const endpoints = Array.from({ length: Math.floor(random() * 4) }, () =>
      endpoint(
        pick(patterns),
        Array.from({ length: 1 + Math.floor(random() * 2) }, () => `${source}${Math.floor(random() * 3)}`),
        random() < 0.3 ? { sticky: true } : random() < 0.2 ? { filters: [{ type: "strip-prefix" }] } : {},
      ),
    );
    const backends = Array.from({ length: Math.floor(random() * 6) }, () =>
      backend(`b${Math.floor(random() * 12)}`, source),
    ).map((b) => (random() < 0.3 ? { ...b, weight: 1 + Math.floor(random() * 3) } : b));
    const weightOverrides =
      source === "api" && random() < 0.5
        ? { [pick(patterns)]: { [`route00${Math.floor(random() * 3)}`]: random() < 0.9 ? 7 : -1 } }
        : undefined;
    return snapshot(source, { endpoints, backends, ...(weightOverrides && { weightOverrides }) });
  }

  /** A small change that keeps every other object: what a provider re-emitting its state does. */
  function nudge(random: () => number, previous: ProviderSnapshot): ProviderSnapshot {
    const roll = random();
    if (roll < 0.3 && previous.backends.length > 0) {
      const at = Math.floor(random() * previous.backends.length);
      const backends = previous.backends.map((b, i) =>
        i === at ? { ...b, rps: Math.floor(random() * 3) } : b,
      );
      return { ...previous, backends };
    }
    if (roll < 0.5 && previous.backends.length > 0)
      return { ...previous, backends: previous.backends.slice(1) };
    if (roll < 0.6) return { ...previous, endpoints: previous.endpoints.map((e) => ({ ...e })) };
    return randomSnapshot(random, previous.source);
  }

  /** The route ids a whole merge must start from to match: key (from the selector) -> id per pattern. */
  function idsOf(endpoints: readonly { pattern: string; routes: { id: string; selector: string }[] }[]) {
    return new Map(
      endpoints.map((e) => [e.pattern, new Map(e.routes.map((r) => [r.selector.slice(2), r.id] as const))]),
    );
  }

  it("gives what a whole merge gives, reports exactly what changed, and keeps every other object", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = seeded(seed);
      const merger = createSnapshotMerger();
      const reference = createSnapshotMerger();
      const current = new Map(sources.map((source) => [source, randomSnapshot(random, source)]));
      let previous = merger.merge([...current.values()]);
      reference.merge([...current.values()]);
      for (let step = 0; step < 30; step++) {
        const source = sources[Math.floor(random() * sources.length)] as ProviderSnapshot["source"];
        current.set(source, nudge(random, current.get(source) as ProviderSnapshot));
        const given = [...current.values()].filter(() => random() < 0.95);
        const merged = merger.merge(given);
        reference.seedIds(idsOf(previous.endpoints));
        const whole = reference.merge(given);
        const context = `seed ${seed} step ${step}`;
        expect(merged.endpoints, context).toEqual(whole.endpoints);
        expect(merged.backends, context).toEqual(whole.backends);
        expect([...merged.warnings].sort(), context).toEqual([...whole.warnings].sort());
        const table = (t: { endpoints: Endpoint[]; backends: Backend[] }) => ({
          version: 1,
          generatedAt: 0,
          ...t,
        });
        expect(merged.changes?.since.endpoints, context).toBe(previous.endpoints);
        expect(merged.changes?.diff, context).toEqual(diffTables(table(previous), table(merged)));
        const changed = new Set(merged.changes?.diff.changedBackends);
        for (const b of merged.backends) {
          if (!changed.has(b.id)) expect(b, context).toBe(previous.backends.find((p) => p.id === b.id));
        }
        previous = merged;
      }
    }
  });

  it("merges 100,000 backends whole, then one change of them as one key", () => {
    const merger = createSnapshotMerger();
    const many = Array.from({ length: 100_000 }, (_, i) =>
      backend(`m${String(i).padStart(6, "0")}`, "marathon"),
    );
    const first = merger.merge([snapshot("marathon", { backends: many })]);
    expect(first.backends).toHaveLength(100_000);
    const next = merger.merge([
      snapshot("marathon", { backends: many.map((b, i) => (i === 5 ? { ...b, weight: 2 } : b)) }),
    ]);
    expect(next.changes?.diff.changedBackends).toEqual(["m000005"]);
    expect(next.backends).toHaveLength(100_000);
  });

  it("merges everything again after new route ids are seeded", () => {
    const merger = createSnapshotMerger();
    const file = snapshot("file", { endpoints: [endpoint("a.test", ["k1", "k2"])] });
    merger.merge([file]);
    merger.seedIds(new Map([["a.test", new Map([["k2", "route000"]])]]));
    const merged = merger.merge([file]);
    expect(merged.changes).toBeUndefined();
    expect(merged.endpoints[0]?.routes.map((r) => [r.id, r.selector])).toEqual([
      ["route000", "k=k2"],
      ["route001", "k=k1"],
    ]);
  });
});
