import { spawn } from "node:child_process";
import { once } from "node:events";
import { systemClock } from "@signalbox/backoff";
import { ManualClock } from "@signalbox/backoff/testing";
import { describe, expect, it } from "vitest";
import { computeLoad, createLoadSampler, createProcessCpuMeter } from "./load-sampler.js";
import { createRouterStatsTracker } from "./router-stats.js";

describe("computeLoad", () => {
  it.each([
    [0, 100, undefined, 0],
    [25, 100, undefined, 25],
    [3, 8, undefined, 38],
    [250, 100, undefined, 100],
    [10, 100, 60, 60],
    [70, 100, 60, 70],
    [0, 100, 140, 100],
  ])("inFlight %i of %i with cpu %s -> %i", (inFlight, concurrency, cpu, load) => {
    expect(computeLoad(inFlight, concurrency, cpu)).toBe(load);
  });
});

describe("load sampler", () => {
  it("reports in-flight, rps and load from the routers' counts", async () => {
    const clock = new ManualClock(10_000);
    const tracker = createRouterStatsTracker({ windowMs: 10_000 });
    tracker.record({ routerId: "r1", receivedAt: 9000, intervalMs: 1000, requests: 30, inFlight: 4 });
    tracker.record({ routerId: "r2", receivedAt: 10_000, intervalMs: 1000, requests: 3, inFlight: 6 });
    const sampler = createLoadSampler({ tracker, clock, concurrency: 20 });
    expect(await sampler.sample()).toEqual({ inFlight: 10, rps: 33, load: 50 });
  });
});

describe("process cpu meter", () => {
  it("measures a busy child as a high share of one core and an idle one as low", async () => {
    const busy = spawn(process.execPath, [
      "-e",
      "const end = Date.now() + 5000; while (Date.now() < end) {}",
    ]);
    const idle = spawn(process.execPath, ["-e", "setTimeout(() => {}, 5000)"]);
    try {
      await Promise.all([once(busy, "spawn"), once(idle, "spawn")]);
      const busyMeter = createProcessCpuMeter(busy.pid as number, systemClock);
      const idleMeter = createProcessCpuMeter(idle.pid as number, systemClock);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await busyMeter.percent()).toBeUndefined();
      await idleMeter.percent();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const busyPercent = (await busyMeter.percent()) ?? 0;
      const idlePercent = (await idleMeter.percent()) ?? 100;
      // a shared 2-core machine: the busy loop gets less than a full core, but far more than idle
      expect(busyPercent).toBeGreaterThan(20);
      expect(idlePercent).toBeLessThan(5);
    } finally {
      busy.kill("SIGKILL");
      idle.kill("SIGKILL");
    }
  });

  it("gives undefined for a process that does not exist", async () => {
    const meter = createProcessCpuMeter(2 ** 22 + 12345, systemClock);
    expect(await meter.percent()).toBeUndefined();
  });
});
