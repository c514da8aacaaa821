import { describe, expect, it } from "vitest";
import { createRouterStatsTracker, type RouterReport } from "./router-stats.js";

function report(routerId: string, receivedAt: number, requests: number, inFlight = 0): RouterReport {
  return { routerId, receivedAt, intervalMs: 1000, requests, inFlight };
}

describe("router stats tracker", () => {
  it("sums requests per second over routers within the window", () => {
    const tracker = createRouterStatsTracker({ windowMs: 10_000 });
    tracker.record(report("a", 1000, 10));
    tracker.record(report("a", 2000, 30));
    tracker.record(report("b", 2000, 5));
    // a: 40 requests over 2 s = 20/s; b: 5 over 1 s = 5/s
    expect(tracker.rps(2000)).toBe(25);
  });

  it("forgets reports older than the window", () => {
    const tracker = createRouterStatsTracker({ windowMs: 2000 });
    tracker.record(report("a", 1000, 100));
    tracker.record(report("a", 2000, 10));
    tracker.record(report("a", 3000, 10));
    expect(tracker.rps(3000)).toBe(10);
  });

  it("sums the latest in-flight of each live router and drops silent ones", () => {
    const tracker = createRouterStatsTracker({ windowMs: 10_000 });
    tracker.record(report("a", 1000, 1, 7));
    tracker.record(report("a", 2000, 1, 3));
    tracker.record(report("b", 2000, 1, 4));
    expect(tracker.inFlight(2000)).toBe(7);
    // a router silent for more than 3 intervals is gone
    tracker.record(report("a", 5500, 0, 2));
    expect(tracker.inFlight(5500)).toBe(2);
    expect(tracker.rps(5500)).toBeCloseTo(2 / 3);
  });

  it("is drained only when every live router reported an idle interval after the drain began", () => {
    const tracker = createRouterStatsTracker({ windowMs: 10_000 });
    tracker.record(report("a", 1000, 5, 2));
    tracker.record(report("b", 1000, 5, 0));
    expect(tracker.isDrained(1000, 1000)).toBe(false);
    // the interval 1000..2000 began at the drain: it counts
    tracker.record(report("a", 2000, 0, 0));
    expect(tracker.isDrained(1000, 2000)).toBe(false); // b has not reported since
    tracker.record(report("b", 2000, 1, 0));
    expect(tracker.isDrained(1000, 2000)).toBe(false); // b still sent one request
    tracker.record(report("b", 3000, 0, 0));
    tracker.record(report("a", 3000, 0, 0));
    expect(tracker.isDrained(1000, 3000)).toBe(true);
  });

  it("does not count an interval that began before the drain", () => {
    const tracker = createRouterStatsTracker({ windowMs: 10_000 });
    tracker.record(report("a", 1500, 0, 0));
    expect(tracker.isDrained(1000, 1500)).toBe(false);
  });

  it("has nothing to wait for without live routers", () => {
    const tracker = createRouterStatsTracker({ windowMs: 10_000 });
    expect(tracker.isDrained(0, 0)).toBe(true);
    tracker.record(report("a", 1000, 3, 1));
    expect(tracker.isDrained(1000, 1000)).toBe(false);
    expect(tracker.isDrained(1000, 4001)).toBe(true);
  });
});
