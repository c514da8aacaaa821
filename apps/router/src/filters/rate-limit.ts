// rate-limit: a token bucket per client IP; an empty bucket answers 429 with Retry-After.

import type { Clock } from "@signalbox/backoff";
import type { Filter } from "./filter.js";

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Buckets are dropped once this many clients are tracked and theirs has refilled. */
const PRUNE_AT = 10_000;

/** The per-client buckets of one rate-limit filter; kept across table swaps by chain.ts. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly clock: Clock,
  ) {}

  /** Takes a token for `key`: 0 when allowed, else the seconds until one is available. */
  take(key: string): number {
    const now = this.clock.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= PRUNE_AT) this.prune(now);
      bucket = { tokens: this.burst, updatedAt: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(
        this.burst,
        bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.ratePerSecond,
      );
      bucket.updatedAt = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerSecond));
  }

  private prune(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.ratePerSecond >= this.burst) {
        this.buckets.delete(key);
      }
    }
  }
}

/** Allows `burst` requests at once and `ratePerSecond` on average per client IP. */
export function createRateLimit(buckets: TokenBuckets): Filter {
  return {
    onRequest(req) {
      const waitS = buckets.take(req.clientIp);
      if (waitS === 0) return undefined;
      return { kind: "error", reason: "rate-limited", headers: ["retry-after", String(waitS)] };
    },
  };
}
