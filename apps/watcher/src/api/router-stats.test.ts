import { describe, expect, it } from "vitest";
import { createRouterStatsWindow } from "./router-stats.js";

const sample = (routerId: string, requests: Record<string, number>, intervalMs = 1000) => ({
  routerId,
  intervalMs,
  backends: Object.fromEntries(Object.entries(requests).map(([id, n]) => [id, { requests: n, errors: 0 }])),
});

describe("createRouterStatsWindow", () => {
  it("knows nothing before any router reported", () => {
    expect(createRouterStatsWindow().rps("b1", 0)).toBeUndefined();
  });

  it("averages a router's samples over the time they cover and sums routers", () => {
    const window = createRouterStatsWindow(5000);
    window.add(sample("r1", { b1: 10 }), 1000);
    window.add(sample("r1", { b1: 30 }), 2000);
    window.add(sample("r2", { b1: 5 }, 500), 2000);
    // r1: 40 requests in 2 s = 20/s; r2: 5 in 0.5 s = 10/s
    expect(window.rps("b1", 2500)).toBe(30);
  });

  it("says 0 for a backend the reporting routers did not forward to", () => {
    const window = createRouterStatsWindow(5000);
    window.add(sample("r1", { b1: 10 }), 1000);
    expect(window.rps("b2", 1500)).toBe(0);
  });

  it("forgets samples older than the window", () => {
    const window = createRouterStatsWindow(5000);
    window.add(sample("r1", { b1: 100 }), 1000);
    window.add(sample("r1", { b1: 10 }), 5500);
    expect(window.rps("b1", 6500)).toBe(10);
    expect(window.rps("b1", 20_000)).toBeUndefined();
  });
});
