import { describe, expect, it } from "vitest";
import { sleep } from "./sleep.js";
import { ManualClock } from "./testing/manual-clock.js";

describe("sleep", () => {
  it("resolves when the clock reaches the delay, not before", async () => {
    const clock = new ManualClock();
    let done = false;
    const slept = sleep(100, { clock }).then(() => {
      done = true;
    });
    clock.advance(99);
    await Promise.resolve();
    expect(done).toBe(false);
    clock.advance(1);
    await slept;
    expect(done).toBe(true);
    expect(clock.pending()).toBe(0);
  });

  it("rejects with the signal's reason on abort and clears its timer", async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const slept = sleep(1000, { clock, signal: controller.signal });
    expect(clock.pending()).toBe(1);
    const reason = new Error("stopping");
    controller.abort(reason);
    await expect(slept).rejects.toBe(reason);
    expect(clock.pending()).toBe(0);
  });

  it("rejects at once when the signal has already aborted", async () => {
    const clock = new ManualClock();
    const reason = new Error("already");
    await expect(sleep(10, { clock, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(clock.pending()).toBe(0);
  });

  it("sleeps on the system clock by default", async () => {
    const started = Date.now();
    await sleep(20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
  });
});
