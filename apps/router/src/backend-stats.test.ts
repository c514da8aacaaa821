import { ManualClock } from "@signalbox/backoff/testing";
import type { Backend } from "@signalbox/route-model";
import { describe, expect, it } from "vitest";
import { BackendStats } from "./backend-stats.js";

function backend(id: string, state: Backend["state"] = "up"): Backend {
  return { id, service: "/web", address: "127.0.0.1:1", labels: {}, state, source: "file", connectedAt: 0 };
}

/** Every backend of these tests belongs to /web. */
const serviceOf = () => "/web";

function setup() {
  const clock = new ManualClock(10_000);
  const ejected: string[] = [];
  const stats = new BackendStats({
    clock,
    ejectAfterFailures: 3,
    ejectCooldownMs: 1000,
    slowStartMs: 2000,
    healthTtlMs: 5000,
    onEject: (id) => ejected.push(id),
  });
  return { clock, stats, ejected };
}

describe("BackendStats", () => {
  it("offers only `up` backends whose verdict is SERVING or absent (unless health is required)", () => {
    const { stats } = setup();
    stats.observeTable([backend("a"), backend("b"), backend("c", "draining")]);
    stats.setHealth("/web", { b: "NOT_SERVING" }, serviceOf);
    expect(stats.isAvailable(backend("a"), false)).toBe(true);
    expect(stats.isAvailable(backend("a"), true)).toBe(false);
    expect(stats.isAvailable(backend("b"), false)).toBe(false);
    expect(stats.isAvailable(backend("c", "draining"), false)).toBe(false);
    stats.setHealth("/web", { a: "SERVING" }, serviceOf);
    expect(stats.isAvailable(backend("a"), true)).toBe(true);
  });

  it("lets a verdict lapse when the health service stops republishing it", () => {
    const { clock, stats } = setup();
    stats.observeTable([backend("a")]);
    stats.setHealth("/web", { a: "NOT_SERVING" }, serviceOf);
    clock.advance(4999);
    expect(stats.isAvailable(backend("a"), false)).toBe(false);
    expect(stats.healthOf("a")).toBe("NOT_SERVING");
    clock.advance(1);
    expect(stats.isAvailable(backend("a"), false)).toBe(true);
    expect(stats.healthOf("a")).toBeUndefined();
    stats.setHealth("/web", { a: "NOT_SERVING" }, serviceOf);
    expect(stats.isAvailable(backend("a"), false)).toBe(false);
  });

  it("applies a verdict only to backends of the service the message is for", () => {
    const { stats } = setup();
    const other = { ...backend("db"), service: "/db" };
    stats.observeTable([backend("a"), other]);
    const owner = (id: string) => (id === "db" ? "/db" : "/web");
    expect(stats.setHealth("/db", { a: "NOT_SERVING", db: "NOT_SERVING" }, owner)).toBe(1);
    expect(stats.isAvailable(backend("a"), false)).toBe(true);
    expect(stats.isAvailable(other, false)).toBe(false);
    // Nor can another service's message clear a verdict: /web's NOT_SERVING stands.
    stats.setHealth("/web", { a: "NOT_SERVING" }, owner);
    stats.setHealth("/db", { a: "SERVING" }, owner);
    expect(stats.isAvailable(backend("a"), false)).toBe(false);
  });

  it("drops a verdict that arrived early for a backend the table then gives another service", () => {
    const { stats } = setup();
    stats.observeTable([]);
    stats.setHealth("/db", { late: "NOT_SERVING" }, () => undefined);
    stats.observeTable([backend("late")]);
    expect(stats.isAvailable(backend("late"), false)).toBe(true);
  });

  it("never offers a backend on an own listener, also when a backend moves onto one", () => {
    const refused: string[] = [];
    const stats = new BackendStats({
      clock: new ManualClock(0),
      ejectAfterFailures: 3,
      ejectCooldownMs: 1000,
      slowStartMs: 0,
      healthTtlMs: 5000,
      isOwnListener: (address) => address === "127.0.0.1:80",
      onOwnListener: (b) => refused.push(b.id),
    });
    const self = { ...backend("self"), address: "127.0.0.1:80" };
    stats.observeTable([self, backend("a")]);
    expect(stats.isAvailable(self, false)).toBe(false);
    expect(stats.isAvailable(backend("a"), false)).toBe(true);
    const moved = { ...backend("a"), address: "127.0.0.1:80" };
    stats.observeChanges(["a"], (id) => (id === "a" ? moved : self));
    expect(stats.isAvailable(moved, false)).toBe(false);
    stats.observeTable([self, moved]);
    expect(refused).toEqual(["self", "a"]);
  });

  it("keeps a verdict that arrives before the table naming the backend", () => {
    const { stats } = setup();
    stats.observeTable([]);
    stats.setHealth("/web", { late: "NOT_SERVING" }, serviceOf);
    stats.observeTable([backend("late")]);
    expect(stats.isAvailable(backend("late"), false)).toBe(false);
  });

  it("ejects after N consecutive connect failures for the cool-down, then ramps up again", () => {
    const { stats, clock, ejected } = setup();
    stats.observeTable([backend("a")]);
    stats.recordConnectFailure("a");
    stats.recordConnectFailure("a");
    stats.recordConnected(stats.get("a"));
    stats.recordConnectFailure("a");
    stats.recordConnectFailure("a");
    expect(ejected).toEqual([]);
    stats.recordConnectFailure("a");
    expect(ejected).toEqual(["a"]);
    expect(stats.isAvailable(backend("a"), false)).toBe(false);
    clock.advance(1000);
    expect(stats.isAvailable(backend("a"), false)).toBe(true);
    expect(stats.slowStartFactor(backend("a"))).toBeCloseTo(0.1);
    clock.advance(1000);
    expect(stats.slowStartFactor(backend("a"))).toBeCloseTo(0.5);
  });

  it("ramps up backends that join after the first table, not those of the first table", () => {
    const { stats, clock } = setup();
    stats.observeTable([backend("old")]);
    clock.advance(100);
    stats.observeTable([backend("old"), backend("new")]);
    expect(stats.slowStartFactor(backend("old"))).toBe(1);
    expect(stats.slowStartFactor(backend("new"))).toBeCloseTo(0.1);
    clock.advance(1500);
    expect(stats.slowStartFactor(backend("new"))).toBeCloseTo(0.75);
    clock.advance(500);
    expect(stats.slowStartFactor(backend("new"))).toBe(1);
  });

  it("hands out counts since the last call and forgets backends that left", () => {
    const { stats } = setup();
    stats.observeTable([backend("a"), backend("b")]);
    stats.get("a").requests = 3;
    stats.get("a").errors = 1;
    expect(stats.takeCounts()).toEqual({ a: { requests: 3, errors: 1 } });
    expect(stats.takeCounts()).toEqual({});
    stats.observeTable([backend("b")]);
    expect([...stats.all()].map((s) => s.id)).toEqual(["b"]);
  });

  it("follows a table change by its changed ids as a whole-table observe would", () => {
    const { stats, clock } = setup();
    stats.observeTable([backend("a"), backend("b")]);
    stats.get("a").requests = 2;
    clock.advance(100);
    stats.setHealth("/web", { c: "NOT_SERVING" }, serviceOf);
    const table = new Set(["a", "c"]);
    stats.observeChanges(["b", "c", "a"], (id) => (table.has(id) ? backend(id) : undefined));
    expect([...stats.all()].map((s) => s.id).sort()).toEqual(["a", "c"]);
    expect(stats.get("a").requests).toBe(2);
    expect(stats.slowStartFactor(backend("c"))).toBeCloseTo(0.1);
    expect(stats.isAvailable(backend("c"), false)).toBe(false);
  });
});
