// The public surface, imported the way other packages import it: by package name.
import { BackoffOptionError, createBackoff, sleep, systemClock } from "@signalbox/backoff";
import { ManualClock } from "@signalbox/backoff/testing";
import { describe, expect, it } from "vitest";

describe("@signalbox/backoff", () => {
  it("retries on a ManualClock: sleep for each back-off delay, stop when attempts run out", async () => {
    const clock = new ManualClock(0);
    const backoff = createBackoff({ baseMs: 100, capMs: 400, maxAttempts: 4, random: () => 0.5 });
    const wokeAt: number[] = [];
    const retrying = (async () => {
      for (let delay = backoff.next(); delay !== undefined; delay = backoff.next()) {
        await sleep(delay, { clock });
        wokeAt.push(clock.now());
      }
    })();
    for (let i = 0; i < 12; i++) {
      clock.advance(50);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await retrying;
    expect(wokeAt).toEqual([50, 150, 350, 550]);
    expect(backoff.attempt).toBe(4);
  });

  it("exports the system clock and the coded option error", () => {
    expect(typeof systemClock.now()).toBe("number");
    expect(() => createBackoff({ baseMs: -1, capMs: 1 })).toThrow(BackoffOptionError);
  });
});
