import { describe, expect, it } from "vitest";
import { ManualClock } from "./manual-clock.js";

describe("ManualClock", () => {
  it("starts at the given time and moves only on advance", () => {
    const clock = new ManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_250);
  });

  it("runs due timers in due-time order, ties in the order set, with now() at each due time", () => {
    const clock = new ManualClock();
    const ran: string[] = [];
    clock.setTimeout(() => ran.push(`c@${clock.now()}`), 30);
    clock.setTimeout(() => ran.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => ran.push(`b@${clock.now()}`), 10);
    clock.setTimeout(() => ran.push(`late@${clock.now()}`), 31);
    clock.advance(30);
    expect(ran).toEqual(["a@10", "b@10", "c@30"]);
    expect(clock.pending()).toBe(1);
    expect(clock.now()).toBe(30);
  });

  it("runs timers set by a timer when they fall due inside the same advance", () => {
    const clock = new ManualClock();
    const ran: number[] = [];
    const tick = () => {
      ran.push(clock.now());
      clock.setTimeout(tick, 10);
    };
    clock.setTimeout(tick, 10);
    clock.advance(35);
    expect(ran).toEqual([10, 20, 30]);
    expect(clock.pending()).toBe(1);
  });

  it("never runs a cleared timer", () => {
    const clock = new ManualClock();
    let ran = false;
    const handle = clock.setTimeout(() => {
      ran = true;
    }, 5);
    clock.clearTimeout(handle);
    clock.advance(10);
    expect(ran).toBe(false);
    expect(clock.pending()).toBe(0);
  });

  it("treats a negative delay as zero", () => {
    const clock = new ManualClock(5);
    let at = -1;
    clock.setTimeout(() => {
      at = clock.now();
    }, -20);
    clock.advance(0);
    expect(at).toBe(5);
  });
});
