// One undici Pool per backend id (keep-alive, bounded connections); an ejected backend's pool is
// closed and the next request opens a fresh one; pools of backends that left close once idle.
// undici's Pool queues without bound (it has no maxQueue), so the wait for a connection is ours:
// at most `queue` requests per backend wait, each at most `queueTimeoutMs`; past either they
// are refused at once (`busy`), which the caller answers 503 backend-busy.

import type { Clock, TimerHandle } from "@signalbox/backoff";
import { type Dispatcher, Pool } from "undici";

export interface PoolOptions {
  connections: number;
  connectTimeoutMs: number;
  /** Wait for response headers (504 past it). */
  headersTimeoutMs: number;
  /** Silence allowed inside a response body. */
  bodyTimeoutMs: number;
  /** Requests that may wait for a connection, per backend. */
  queue: number;
  /** Longest wait for a connection. */
  queueTimeoutMs: number;
  clock: Clock;
}

/** A request's handler, told when it will not get a connection. */
export interface PoolHandler extends Dispatcher.DispatchHandler {
  /** Set once the request was given one of the backend's connections (then `release` is owed). */
  holdsConnection: boolean;
  busy(): void;
}

interface Waiting {
  opts: Dispatcher.DispatchOptions;
  handler: PoolHandler;
  timer: TimerHandle | undefined;
}

/** A backend's connections in use and the requests waiting for one (oldest first). */
interface Slots {
  running: number;
  waiting: Waiting[];
}

export class BackendPools {
  private readonly pools = new Map<string, { address: string; pool: Pool }>();
  private readonly slots = new Map<string, Slots>();

  constructor(private readonly opts: PoolOptions) {}

  /**
   * Sends the request to `id` now when one of its connections is free, or queues it; a handler
   * that got a connection must be followed by exactly one `release(id)` when its exchange ends.
   */
  dispatch(id: string, address: string, opts: Dispatcher.DispatchOptions, handler: PoolHandler): void {
    let slots = this.slots.get(id);
    if (slots === undefined) {
      slots = { running: 0, waiting: [] };
      this.slots.set(id, slots);
    }
    if (slots.running < this.opts.connections) {
      slots.running += 1;
      handler.holdsConnection = true;
      this.get(id, address).dispatch(opts, handler);
      return;
    }
    if (slots.waiting.length >= this.opts.queue) {
      handler.busy();
      return;
    }
    const entry: Waiting = { opts, handler, timer: undefined };
    entry.timer = this.opts.clock.setTimeout(() => this.expire(slots, entry), this.opts.queueTimeoutMs);
    slots.waiting.push(entry);
  }

  /** An exchange that got a connection from `dispatch` ended: the oldest waiting request gets it. */
  release(id: string, address: string): void {
    const slots = this.slots.get(id);
    if (slots === undefined) return;
    slots.running -= 1;
    const next = slots.waiting.shift();
    if (next === undefined) return;
    if (next.timer !== undefined) this.opts.clock.clearTimeout(next.timer);
    slots.running += 1;
    next.handler.holdsConnection = true;
    this.get(id, address).dispatch(next.opts, next.handler);
  }

  /** Requests waiting for a connection to `id` (for tests and /metrics). */
  waiting(id: string): number {
    const slots = this.slots.get(id);
    return slots?.waiting.length ?? 0;
  }

  private expire(slots: Slots, entry: Waiting): void {
    const index = slots.waiting.indexOf(entry);
    if (index < 0) return;
    slots.waiting.splice(index, 1);
    entry.handler.busy();
  }

  /** The pool for `id` at `address`, created on first use or when the address changed. */
  get(id: string, address: string): Pool {
    const entry = this.pools.get(id);
    if (entry !== undefined && entry.address === address) return entry.pool;
    if (entry !== undefined) void entry.pool.close().catch(() => {});
    const pool = new Pool(`http://${address}`, {
      connections: this.opts.connections,
      connect: { timeout: this.opts.connectTimeoutMs },
      headersTimeout: this.opts.headersTimeoutMs,
      bodyTimeout: this.opts.bodyTimeoutMs,
      keepAliveTimeout: 4000,
      pipelining: 1,
    });
    this.pools.set(id, { address, pool });
    return pool;
  }

  /** Closes `id`'s pool (requests already on it finish); the next `get` opens a fresh one. */
  reopen(id: string): void {
    const entry = this.pools.get(id);
    if (entry === undefined) return;
    this.pools.delete(id);
    void entry.pool.close().catch(() => {});
  }

  /**
   * Closes the pools of backend ids `keep` does not hold once nothing is queued or running on
   * them (a request routed by an older table may still be using one).
   */
  prune(keep: (id: string) => boolean): void {
    for (const [id, { pool }] of this.pools) {
      const stats = pool.stats;
      const slots = this.slots.get(id);
      const busy = slots !== undefined && slots.running + slots.waiting.length > 0;
      if (!keep(id) && !busy && stats.running + stats.pending + stats.queued === 0) {
        this.reopen(id);
        this.slots.delete(id);
      }
    }
  }

  /** Destroys every pool (end of a drain: whatever is still open is cut). */
  async destroy(): Promise<void> {
    const entries = [...this.pools.values()];
    this.pools.clear();
    for (const slots of this.slots.values()) {
      for (const entry of slots.waiting.splice(0)) {
        if (entry.timer !== undefined) this.opts.clock.clearTimeout(entry.timer);
        entry.handler.busy();
      }
    }
    this.slots.clear();
    await Promise.all(entries.map((entry) => entry.pool.destroy().catch(() => {})));
  }
}
