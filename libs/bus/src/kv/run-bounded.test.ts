import { describe, expect, it } from "vitest";
import { runBounded } from "./run-bounded.js";

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("runBounded", () => {
  it("runs every item with at most `limit` in flight", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const done: number[] = [];
    await runBounded(
      Array.from({ length: 50 }, (_, i) => i),
      7,
      async (i) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await tick();
        inFlight--;
        done.push(i);
      },
    );
    expect(maxInFlight).toBe(7);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("rejects with the first failure, starts nothing after it, and lets in-flight ones finish", async () => {
    const started: number[] = [];
    let finished = 0;
    const run = runBounded([0, 1, 2, 3, 4, 5], 2, async (i) => {
      started.push(i);
      await tick();
      if (i === 1) throw new Error("boom 1");
      await tick();
      finished++;
    });
    await expect(run).rejects.toThrow("boom 1");
    expect(started).toEqual([0, 1]);
    expect(finished).toBe(1);
  });

  it("resolves at once for no items", async () => {
    await expect(runBounded([], 4, async () => expect.unreachable())).resolves.toBeUndefined();
  });
});
