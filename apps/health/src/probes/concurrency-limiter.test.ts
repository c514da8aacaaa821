import { describe, expect, it } from "vitest";
import { createConcurrencyLimiter } from "./concurrency-limiter.js";

describe("createConcurrencyLimiter", () => {
  it("grants at most `max` slots and queues the rest in order", async () => {
    const limiter = createConcurrencyLimiter(2);
    const order: number[] = [];
    const first = await limiter.acquire();
    const second = await limiter.acquire();
    const third = limiter.acquire().then((release) => {
      order.push(3);
      return release;
    });
    const fourth = limiter.acquire().then((release) => {
      order.push(4);
      return release;
    });
    await Promise.resolve();
    expect(limiter.active).toBe(2);
    expect(limiter.queued).toBe(2);
    first?.();
    first?.();
    (await third)?.();
    second?.();
    await fourth;
    expect(order).toEqual([3, 4]);
    expect(limiter.active).toBe(1);
    expect(limiter.queued).toBe(0);
  });

  it("drops a waiter whose signal aborts, without losing a slot", async () => {
    const limiter = createConcurrencyLimiter(1);
    const held = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBeUndefined();
    expect(limiter.queued).toBe(0);
    held?.();
    expect(limiter.active).toBe(0);
    expect(await limiter.acquire(AbortSignal.abort())).toBeUndefined();
    expect(limiter.active).toBe(0);
  });

  it("rejects a bound below one", () => {
    expect(() => createConcurrencyLimiter(0)).toThrow(/concurrency 0/);
  });
});
