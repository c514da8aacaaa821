// One undici Pool per backend id (keep-alive, bounded connections); an ejected backend's pool is
// closed and the next request opens a fresh one; pools of backends that left close once idle.

import { Pool } from "undici";

export interface PoolOptions {
  connections: number;
  connectTimeoutMs: number;
  /** Wait for response headers (504 past it). */
  headersTimeoutMs: number;
  /** Silence allowed inside a response body. */
  bodyTimeoutMs: number;
}

export class BackendPools {
  private readonly pools = new Map<string, { address: string; pool: Pool }>();

  constructor(private readonly opts: PoolOptions) {}

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
      if (!keep(id) && stats.running + stats.pending + stats.queued === 0) this.reopen(id);
    }
  }

  /** Destroys every pool (end of a drain: whatever is still open is cut). */
  async destroy(): Promise<void> {
    const entries = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(entries.map((entry) => entry.pool.destroy().catch(() => {})));
  }
}
