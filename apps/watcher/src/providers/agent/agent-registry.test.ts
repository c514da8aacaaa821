import { ManualClock } from "@signalbox/backoff/testing";
import type { Backend } from "@signalbox/route-model";
import { describe, expect, it } from "vitest";
import { agentBackendId, createAgentRegistry, isVisibleChange } from "./agent-registry.js";

function backend(id: string, connectedAt: number, labels: Record<string, string> = {}): Backend {
  return { id, service: "web", address: "127.0.0.1:8081", labels, state: "up", source: "agent", connectedAt };
}

function setup() {
  const clock = new ManualClock(1000);
  let changes = 0;
  const expired: string[] = [];
  const registry = createAgentRegistry({
    clock,
    expiryMs: 3 * 100,
    onChange: () => {
      changes += 1;
    },
    onExpire: (b) => expired.push(b.id),
  });
  return { clock, registry, expired, changes: () => changes };
}

describe("agent backend id", () => {
  it("is stable per service and instance, and differs otherwise", () => {
    expect(agentBackendId("web", "i1")).toBe(agentBackendId("web", "i1"));
    expect(agentBackendId("web", "i1")).not.toBe(agentBackendId("web", "i2"));
    expect(agentBackendId("web", "i1")).not.toBe(agentBackendId("api", "i1"));
    expect(agentBackendId("/shop/web", "i1")).toMatch(/^agent-[0-9a-f]{16}$/);
  });
});

describe("agent registry", () => {
  it("removes a backend after the expiry with no heartbeat", () => {
    const { clock, registry, expired } = setup();
    registry.register(backend("a", 1000), "t1", "s1");
    clock.advance(299);
    expect(registry.backends().map((b) => b.id)).toEqual(["a"]);
    clock.advance(1);
    expect(registry.backends()).toEqual([]);
    expect(expired).toEqual(["a"]);
    expect(clock.pending()).toBe(0);
  });

  it("holds adopted backends until their agent registers again, or expires them", () => {
    const { clock, registry, expired, changes } = setup();
    registry.adopt([backend("a", 500), backend("b", 600)]);
    expect(changes()).toBe(0);
    expect(registry.get("a")).toEqual({ backend: backend("a", 500), tokenId: undefined, session: undefined });
    registry.register(backend("a", 1000), "t1", "s1");
    expect(registry.get("a")).toEqual({ backend: backend("a", 500), tokenId: "t1", session: "s1" });
    registry.adopt([backend("a", 1)]);
    expect(registry.get("a")?.tokenId).toBe("t1");
    clock.advance(300);
    expect(expired).toEqual(["b", "a"]);
    expect(registry.backends()).toEqual([]);
  });

  it("pushes the expiry back at each heartbeat", () => {
    const { clock, registry } = setup();
    registry.register(backend("a", 1000), "t1", "s1");
    for (let i = 0; i < 10; i += 1) {
      clock.advance(250);
      expect(registry.heartbeat("a", { state: "up", load: 0, rps: 0 })).toBe(true);
    }
    expect(registry.backends()).toHaveLength(1);
    clock.advance(300);
    expect(registry.backends()).toHaveLength(0);
  });

  it("applies a heartbeat's state, load and rps, and reports a change only when one is visible", () => {
    const { registry, changes } = setup();
    registry.register(backend("a", 1000), "t1", "s1");
    expect(changes()).toBe(1);
    registry.heartbeat("a", { state: "draining", load: 40, rps: 12.5 });
    expect(registry.get("a")?.backend).toMatchObject({ state: "draining", load: 40, rps: 12.5 });
    expect(changes()).toBe(2);
    registry.heartbeat("a", { state: "draining", load: 40, rps: 12.5 });
    expect(changes()).toBe(2);
  });

  it("answers false to a heartbeat or removal of an unknown id", () => {
    const { registry, changes } = setup();
    expect(registry.heartbeat("nope", { state: "up", load: 0, rps: 0 })).toBe(false);
    expect(registry.remove("nope")).toBe(false);
    expect(changes()).toBe(0);
  });

  it("replaces a backend registered again, keeping its first connectedAt", () => {
    const { clock, registry } = setup();
    registry.register(backend("a", 1000, { v: "1" }), "t1", "s1");
    clock.advance(200);
    registry.register(backend("a", 1200, { v: "2" }), "t2", "s1");
    expect(registry.backends()).toEqual([{ ...backend("a", 1000, { v: "2" }) }]);
    expect(registry.get("a")?.tokenId).toBe("t2");
    // the old timer is gone: the new registration has its own full expiry
    clock.advance(200);
    expect(registry.backends()).toHaveLength(1);
    expect(clock.pending()).toBe(1);
  });

  it("lists backends by id and clears every timer", () => {
    const { clock, registry } = setup();
    registry.register(backend("b", 1000), "t", "s1");
    registry.register(backend("a", 1000), "t", "s1");
    expect(registry.backends().map((b) => b.id)).toEqual(["a", "b"]);
    expect(registry.remove("b")).toBe(true);
    registry.clear();
    expect(registry.backends()).toEqual([]);
    expect(clock.pending()).toBe(0);
  });
});

describe("isVisibleChange", () => {
  const published = (load?: number, rps?: number): Backend => ({
    ...backend("a", 1000),
    ...(load !== undefined && { load }),
    ...(rps !== undefined && { rps }),
  });
  const visible = (from: Backend, load: number, rps: number, state: Backend["state"] = "up") =>
    isVisibleChange(from, { state, load, rps });

  it("counts a new state, and a first load or rps", () => {
    expect(visible(published(40, 10), 40, 10, "draining")).toBe(true);
    expect(visible(published(undefined, 10), 40, 10)).toBe(true);
    expect(visible(published(40, undefined), 40, 10)).toBe(true);
    expect(visible(published(40, 10), 40, 10)).toBe(false);
  });

  it("counts a load moved by 5 points or more, or to or from 0 or 100", () => {
    expect(visible(published(40, 10), 44, 10)).toBe(false);
    expect(visible(published(40, 10), 36, 10)).toBe(false);
    expect(visible(published(40, 10), 45, 10)).toBe(true);
    expect(visible(published(40, 10), 35, 10)).toBe(true);
    expect(visible(published(3, 10), 0, 10)).toBe(true);
    expect(visible(published(0, 10), 2, 10)).toBe(true);
    expect(visible(published(98, 10), 100, 10)).toBe(true);
    expect(visible(published(100, 10), 99, 10)).toBe(true);
  });

  it("counts an rps moved by 10% of the published value and by at least 1", () => {
    expect(visible(published(40, 100), 40, 109)).toBe(false);
    expect(visible(published(40, 100), 40, 110)).toBe(true);
    expect(visible(published(40, 100), 40, 90)).toBe(true);
    expect(visible(published(40, 5), 40, 5.9)).toBe(false);
    expect(visible(published(40, 5), 40, 6)).toBe(true);
    expect(visible(published(40, 0), 40, 0.5)).toBe(false);
    expect(visible(published(40, 0), 40, 1)).toBe(true);
  });
});

describe("agent registry heartbeats", () => {
  it("keeps the table's values through small moves, and publishes once they add up", () => {
    const { registry, changes } = setup();
    registry.register(backend("a", 1000), "t1", "s1");
    registry.heartbeat("a", { state: "up", load: 40, rps: 100 });
    expect(changes()).toBe(2);
    for (const [load, rps] of [
      [41, 103],
      [43, 106],
      [44, 108],
    ] as const) {
      registry.heartbeat("a", { state: "up", load, rps });
    }
    expect(changes()).toBe(2);
    expect(registry.get("a")?.backend).toMatchObject({ load: 40, rps: 100 });
    registry.heartbeat("a", { state: "up", load: 46, rps: 104 });
    expect(changes()).toBe(3);
    expect(registry.get("a")?.backend).toMatchObject({ load: 46, rps: 104 });
  });
});
