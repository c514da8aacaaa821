import { ManualClock } from "@signalbox/backoff/testing";
import { describe, expect, it } from "vitest";
import { createCoalescedTask } from "./coalesced-task.js";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("createCoalescedTask", () => {
  it("folds a burst of triggers inside the debounce window into one run", async () => {
    const clock = new ManualClock();
    let runs = 0;
    const task = createCoalescedTask({
      clock,
      debounceMs: 50,
      run: async () => void runs++,
      onError: () => {},
    });
    for (let i = 0; i < 100; i++) task.trigger();
    clock.advance(49);
    expect(runs).toBe(0);
    clock.advance(1);
    await task.idle();
    expect(runs).toBe(1);
  });

  it("keeps at most one run in flight and one queued behind it", async () => {
    const clock = new ManualClock();
    const gates: ReturnType<typeof deferred>[] = [];
    let started = 0;
    const task = createCoalescedTask({
      clock,
      debounceMs: 10,
      run: () => {
        started++;
        const gate = deferred();
        gates.push(gate);
        return gate.promise;
      },
      onError: () => {},
    });
    task.trigger();
    clock.advance(10);
    expect(started).toBe(1);
    for (let i = 0; i < 20; i++) task.trigger();
    clock.advance(100);
    expect(started).toBe(1);
    gates[0]?.resolve();
    await Promise.resolve();
    await Promise.resolve();
    clock.advance(10);
    expect(started).toBe(2);
    gates[1]?.resolve();
    await task.idle();
    expect(started).toBe(2);
  });

  it("reports a failing run and still runs the next trigger", async () => {
    const clock = new ManualClock();
    const errors: unknown[] = [];
    let runs = 0;
    const task = createCoalescedTask({
      clock,
      debounceMs: 0,
      run: async () => {
        runs++;
        if (runs === 1) throw new Error("boom");
      },
      onError: (error) => errors.push(error),
    });
    task.trigger();
    clock.advance(0);
    await task.idle();
    task.trigger();
    clock.advance(0);
    await task.idle();
    expect(runs).toBe(2);
    expect(errors).toHaveLength(1);
  });

  it("runs nothing after stop", async () => {
    const clock = new ManualClock();
    let runs = 0;
    const task = createCoalescedTask({
      clock,
      debounceMs: 5,
      run: async () => void runs++,
      onError: () => {},
    });
    task.trigger();
    await task.stop();
    task.trigger();
    clock.advance(100);
    await task.idle();
    expect(runs).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  describe("leading", () => {
    it("runs an isolated trigger at once and folds a burst after it into one run at the end of the window", async () => {
      const clock = new ManualClock();
      const startedAt: number[] = [];
      const task = createCoalescedTask({
        clock,
        debounceMs: 50,
        leading: true,
        run: async () => void startedAt.push(clock.now()),
        onError: () => {},
      });
      task.trigger();
      expect(startedAt).toEqual([0]);
      await task.idle();
      clock.advance(10);
      for (let i = 0; i < 10; i++) task.trigger();
      clock.advance(39);
      expect(startedAt).toEqual([0]);
      clock.advance(1);
      await task.idle();
      expect(startedAt).toEqual([0, 50]);
      clock.advance(500);
      task.trigger();
      expect(startedAt).toEqual([0, 50, 550]);
      await task.idle();
    });
  });
});
