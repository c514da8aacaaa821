import { describe, expect, it } from "vitest";
import { createBackoff } from "./backoff.js";
import { BackoffOptionError } from "./errors.js";

/** Returns the scripted values in turn. */
function scripted(...values: number[]): () => number {
  let i = 0;
  return () => {
    const value = values[i++];
    if (value === undefined) throw new Error("script exhausted");
    return value;
  };
}

describe("createBackoff", () => {
  it("grows the ceiling by factor up to the cap (random just below 1)", () => {
    const backoff = createBackoff({ baseMs: 100, capMs: 1000, random: () => 0.999999 });
    const delays = Array.from({ length: 6 }, () => backoff.next());
    expect(delays).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it("scales each ceiling by the random draw (full jitter)", () => {
    const backoff = createBackoff({
      baseMs: 100,
      factor: 3,
      capMs: 10_000,
      random: scripted(0.5, 0.25, 0, 0.1),
    });
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([50, 75, 0, 270]);
  });

  it("returns undefined once maxAttempts delays were handed out", () => {
    const backoff = createBackoff({ baseMs: 10, capMs: 100, maxAttempts: 2, random: () => 0.5 });
    expect(backoff.next()).toBe(5);
    expect(backoff.next()).toBe(10);
    expect(backoff.next()).toBeUndefined();
    expect(backoff.attempt).toBe(2);
  });

  it("starts over from baseMs after reset", () => {
    const backoff = createBackoff({ baseMs: 10, capMs: 1000, maxAttempts: 3, random: () => 0.5 });
    backoff.next();
    backoff.next();
    backoff.next();
    expect(backoff.next()).toBeUndefined();
    backoff.reset();
    expect(backoff.attempt).toBe(0);
    expect(backoff.next()).toBe(5);
    expect(backoff.attempt).toBe(1);
  });

  it("stays at the cap for very many attempts", () => {
    const backoff = createBackoff({ baseMs: 1, capMs: 30_000, random: () => 0.5 });
    let last: number | undefined;
    for (let i = 0; i < 5000; i++) last = backoff.next();
    expect(last).toBe(15_000);
  });

  it.each([
    [{ baseMs: 0, capMs: 10 }, "baseMs"],
    [{ baseMs: 10, capMs: 5 }, "capMs"],
    [{ baseMs: 10, capMs: 50, factor: 0.5 }, "factor"],
    [{ baseMs: 10, capMs: 50, maxAttempts: 1.5 }, "maxAttempts"],
    [{ baseMs: Number.NaN, capMs: 50 }, "baseMs"],
  ])("rejects %j naming %s", (opts, option) => {
    try {
      createBackoff(opts);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(BackoffOptionError);
      expect((error as BackoffOptionError).option).toBe(option);
      expect((error as BackoffOptionError).code).toBe("SB_BACKOFF_OPTION");
    }
  });
});
