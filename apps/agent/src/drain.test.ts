import { ManualClock } from "@signalbox/backoff/testing";
import { describe, expect, it } from "vitest";
import { waitForDrain } from "./drain.js";
import { createRouterStatsTracker } from "./router-stats.js";

/** Lets the awaited sleep inside waitForDrain register its next timer. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe("waitForDrain", () => {
  it("resolves drained once the routers report the backend idle", async () => {
    const clock = new ManualClock(1000);
    const tracker = createRouterStatsTracker({ windowMs: 10_000 });
    tracker.record({ routerId: "r", receivedAt: 1000, intervalMs: 1000, requests: 4, inFlight: 2 });
    let outcome: string | undefined;
    void waitForDrain({ tracker, clock, sinceMs: 1000, timeoutMs: 30_000 }).then((o) => {
      outcome = o;
    });
    await flush();
    clock.advance(1000);
    await flush();
    expect(outcome).toBeUndefined();
    tracker.record({ routerId: "r", receivedAt: 2000, intervalMs: 1000, requests: 0, inFlight: 0 });
    clock.advance(100);
    await flush();
    expect(outcome).toBe("drained");
  });

  it("resolves timeout when in-flight requests never end", async () => {
    const clock = new ManualClock(0);
    const tracker = createRouterStatsTracker({ windowMs: 10_000 });
    let outcome: string | undefined;
    tracker.record({ routerId: "r", receivedAt: 0, intervalMs: 100, requests: 0, inFlight: 1 });
    void waitForDrain({ tracker, clock, sinceMs: 0, timeoutMs: 500 }).then((o) => {
      outcome = o;
    });
    for (let t = 100; t <= 500; t += 100) {
      await flush();
      expect(outcome).toBeUndefined();
      clock.advance(100);
      tracker.record({ routerId: "r", receivedAt: t, intervalMs: 100, requests: 0, inFlight: 1 });
    }
    await flush();
    expect(outcome).toBe("timeout");
  });

  it("looks once with a zero timeout", async () => {
    const tracker = createRouterStatsTracker({ windowMs: 10_000 });
    tracker.record({ routerId: "r", receivedAt: 0, intervalMs: 1000, requests: 1, inFlight: 1 });
    expect(await waitForDrain({ tracker, clock: new ManualClock(0), sinceMs: 0, timeoutMs: 0 })).toBe(
      "timeout",
    );
  });
});
