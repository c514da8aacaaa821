// rate-limit: a token bucket per client (an IPv4 address, an IPv6 /64); an empty bucket answers 429
// with Retry-After. Memory is bounded by the clients seen within one refill window.

import type { Clock } from "@signalbox/backoff";
import { clientNetworkKey } from "@signalbox/route-model";
import type { Filter } from "./filter.js";

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Stale buckets dropped per take: more than one, so the map shrinks faster than one new key grows it. */
const PRUNE_PER_TAKE = 2;
/** Hard ceiling of tracked clients; past it the least recently seen bucket goes even if not refilled. */
export const MAX_BUCKETS = 100_000;

/**
 * The per-client buckets of one rate-limit filter; kept across table swaps by chain.ts.
 * The map is in order of last use (a take moves its key to the end), so the buckets at its head
 * are the longest unused: one idle for a whole refill window (`burst / ratePerSecond`) is full
 * again and is dropped, a few per take, without scanning the rest.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillMs: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly clock: Clock,
    private readonly maxBuckets = MAX_BUCKETS,
  ) {
    this.refillMs = (burst / ratePerSecond) * 1000;
  }

  /** Clients tracked now. */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes a token for `key`: 0 when allowed, else the seconds until one is available. */
  take(key: string): number {
    const now = this.clock.now();
    this.pruneStale(now);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxBuckets) this.dropOldest();
      bucket = { tokens: this.burst, updatedAt: now };
    } else {
      bucket.tokens = Math.min(
        this.burst,
        bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.ratePerSecond,
      );
      bucket.updatedAt = now;
      this.buckets.delete(key);
    }
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerSecond));
  }

  private pruneStale(now: number): void {
    for (let i = 0; i < PRUNE_PER_TAKE; i++) {
      const oldest = this.buckets.entries().next();
      if (oldest.done || now - oldest.value[1].updatedAt < this.refillMs) return;
      this.buckets.delete(oldest.value[0]);
    }
  }

  private dropOldest(): void {
    const oldest = this.buckets.keys().next();
    if (!oldest.done) this.buckets.delete(oldest.value);
  }
}

/** Allows `burst` requests at once and `ratePerSecond` on average per client (IPv6 by /64). */
export function createRateLimit(buckets: TokenBuckets): Filter {
  return {
    onRequest(req) {
      const waitS = buckets.take(clientNetworkKey(req.clientIp));
      if (waitS === 0) return undefined;
      return { kind: "error", reason: "rate-limited", headers: ["retry-after", String(waitS)] };
    },
  };
}
