import type { Backend, Endpoint } from "@signalbox/route-model";
import { describe, expect, it } from "vitest";
import { isSameProbe, planProbes } from "./probe-target.js";

function backend(id: string, labels: Record<string, string> = {}, over: Partial<Backend> = {}): Backend {
  return {
    id,
    service: "/shop",
    address: "10.0.0.1:8080",
    labels,
    state: "up",
    source: "marathon",
    connectedAt: 0,
    ...over,
  };
}

function endpoint(pattern: string, selector: string, healthRequire?: boolean): Endpoint {
  return {
    pattern,
    routes: [{ id: "route000", selector, weight: 100, strategy: "round-robin" }],
    filters: [],
    ...(healthRequire !== undefined && { healthRequire }),
  };
}

describe("planProbes", () => {
  it("probes HTTP GET / unless the labels say otherwise", () => {
    const plan = planProbes({
      endpoints: [],
      backends: [
        backend("a"),
        backend("b", { "signalbox.health.path": "/healthz" }),
        backend("c", { "signalbox.health.type": "tcp" }),
        backend("d", { "signalbox.health.type": "grpc", "signalbox.health.grpc-service": "orders" }),
      ],
    });
    expect(plan.warnings).toEqual([]);
    expect(plan.targets.map((t) => [t.id, t.kind, t.httpPath, t.grpcService])).toEqual([
      ["a", "http", "/", ""],
      ["b", "http", "/healthz", ""],
      ["c", "tcp", "/", ""],
      ["d", "grpc", "/", "orders"],
    ]);
  });

  it("does not probe a backend with an unusable label, and names it and the value", () => {
    const plan = planProbes({
      endpoints: [],
      backends: [
        backend("a", { "signalbox.health.type": "icmp" }),
        backend("b", { "signalbox.health.path": "healthz" }),
        backend("c"),
      ],
    });
    expect(plan.targets.map((t) => t.id)).toEqual(["c"]);
    expect(plan.entries.map((e) => e.id)).toEqual(["a", "b", "c"]);
    expect(plan.warnings).toEqual([
      'backend a: signalbox.health.type "icmp" is not http, tcp or grpc; not probed',
      'backend b: signalbox.health.path "healthz" is not a path starting with "/"; not probed',
    ]);
  });

  it("holds out the backends of healthRequire endpoints only", () => {
    const plan = planProbes({
      endpoints: [endpoint("api.test", "tier=api", true), endpoint("www.test", "tier=web")],
      backends: [backend("a", { tier: "api" }), backend("w", { tier: "web" })],
    });
    expect(plan.targets.map((t) => [t.id, t.heldOut])).toEqual([
      ["a", true],
      ["w", false],
    ]);
    expect(plan.entries.map((e) => [e.id, e.heldOut])).toEqual([
      ["a", true],
      ["w", false],
    ]);
  });

  it("keeps the agent's state in the book entries", () => {
    const plan = planProbes({
      endpoints: [],
      backends: [backend("a", {}, { state: "draining", service: "api" })],
    });
    expect(plan.entries).toEqual([{ id: "a", service: "api", state: "draining", heldOut: false }]);
  });
});

describe("isSameProbe", () => {
  it("is the same probe only for the same address, kind, path and gRPC service", () => {
    const [a] = planProbes({ endpoints: [], backends: [backend("a")] }).targets;
    if (!a) throw new Error("no target");
    expect(isSameProbe(a, { ...a, heldOut: true, service: "/other" })).toBe(true);
    expect(isSameProbe(a, { ...a, address: "10.0.0.2:8080" })).toBe(false);
    expect(isSameProbe(a, { ...a, kind: "tcp" })).toBe(false);
    expect(isSameProbe(a, { ...a, httpPath: "/x" })).toBe(false);
    expect(isSameProbe(a, { ...a, grpcService: "x" })).toBe(false);
  });
});
