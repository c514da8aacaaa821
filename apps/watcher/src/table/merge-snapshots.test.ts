import type { Backend } from "@signalbox/route-model";
import { describe, expect, it } from "vitest";
import type { ProviderEndpoint, ProviderSnapshot } from "../providers/provider.js";
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
