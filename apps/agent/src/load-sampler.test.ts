import { spawn } from "node:child_process";
import { once } from "node:events";
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
  // The child burns a known amount of CPU time when told to; a ManualClock fixes the wall
  // time between samples, so the expected share does not depend on how busy the machine is.
  const BURNER = `
    process.stdout.write("ready\\n");
    process.stdin.once("data", () => {
      const start = process.cpuUsage();
      for (;;) {
        const used = process.cpuUsage(start);
        if (used.user + used.system >= 200_000) break;
      }
      process.stdout.write("done\\n");
    });
  `;

  it("measures the CPU time a child used as a share of one core over the wall time", async () => {
    const child = spawn(process.execPath, ["-e", BURNER], { stdio: ["pipe", "pipe", "ignore"] });
    try {
      const lines = child.stdout.setEncoding("utf8");
      await once(lines, "data");
      const clock = new ManualClock(0);
      const meter = createProcessCpuMeter(child.pid as number, clock);
      expect(await meter.percent()).toBeUndefined();
      clock.advance(1000);
      // idle between the first two samples
      expect(await meter.percent()).toBeLessThan(3);
      child.stdin.write("go\n");
      await once(lines, "data");
      clock.advance(1000);
      // 200 ms of CPU in 1000 ms of wall time (plus a little for reading stdin)
      const percent = await meter.percent();
      expect(percent).toBeGreaterThanOrEqual(19.5);
      expect(percent).toBeLessThan(30);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("gives undefined for a process that does not exist", async () => {
    const meter = createProcessCpuMeter(2 ** 22 + 12345, new ManualClock(0));
    expect(await meter.percent()).toBeUndefined();
  });
});
