// A Clock that only moves when a test says so (@signalbox/backoff/testing).

import type { Clock, TimerHandle } from "../clock.js";

interface ManualTimer {
  readonly seq: number;
  readonly dueMs: number;
  readonly fn: () => void;
}

/**
 * `advance(ms)` moves time forward and runs every timer that falls due, in due-time
 * order (ties: the order they were set), with `now()` at each timer's due time;
 * timers set while advancing run too when they fall due within the window.
 */
export class ManualClock implements Clock {
  private nowMs: number;
  private seq = 0;
  private readonly timers = new Map<TimerHandle, ManualTimer>();

  constructor(startMs = 0) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = {};
    const delayMs = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.timers.set(handle, { seq: this.seq++, dueMs: this.nowMs + delayMs, fn });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle);
  }

  advance(ms: number): void {
    const endMs = this.nowMs + Math.max(0, ms);
    for (let next = this.nextDue(endMs); next; next = this.nextDue(endMs)) {
      this.timers.delete(next[0]);
      this.nowMs = next[1].dueMs;
      next[1].fn();
    }
    this.nowMs = endMs;
  }

  /** Timers set and not yet run or cleared. */
  pending(): number {
    return this.timers.size;
  }

  private nextDue(endMs: number): [TimerHandle, ManualTimer] | undefined {
    let best: [TimerHandle, ManualTimer] | undefined;
    for (const entry of this.timers) {
      const timer = entry[1];
      if (timer.dueMs > endMs) continue;
      if (
        !best ||
        timer.dueMs < best[1].dueMs ||
        (timer.dueMs === best[1].dueMs && timer.seq < best[1].seq)
      ) {
        best = entry;
      }
    }
    return best;
  }
}
