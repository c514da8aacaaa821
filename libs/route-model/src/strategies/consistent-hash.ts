// hash:header:<name> / hash:cookie:<name>: a consistent-hash ring, so a key keeps its backend.
import type { Backend } from "../model/types.js";
import type { Strategy } from "./strategy.js";

/** Points per backend on the ring: enough to keep each backend's share within a few % of 1/N. */
export const VIRTUAL_NODES = 160;

interface Ring {
  /** Sorted point hashes. */
  points: Uint32Array;
  /** owners[i]: index into the backends array of the backend owning points[i]. */
  owners: Uint32Array;
  size: number;
}

/**
 * Consistent hashing on a request key (a header or a cookie): each backend owns VIRTUAL_NODES points
 * on a 32-bit ring placed by hashing its id, and a key goes to the first point at or after its hash.
 * Unavailable backends are skipped by walking on around the ring, so when one of N backends goes only
 * its ~1/N of keys move, and they come back when it does. Weight and slow start do not apply (affinity
 * matters more than balance here). A request without the key falls back to `fallback` (round-robin).
 * The ring is built once per backends array (WeakMap on its identity), never per pick.
 */
export function createConsistentHashStrategy(
  key: { source: "header" | "cookie"; name: string },
  fallback: Strategy,
): Strategy {
  const rings = new WeakMap<readonly Backend[], Ring>();
  return {
    pick(backends, ctx) {
      const value = key.source === "header" ? ctx.header(key.name) : ctx.cookie(key.name);
      if (value === undefined || value === "") return fallback.pick(backends, ctx);
      let ring = rings.get(backends);
      if (ring === undefined || ring.size !== backends.length) {
        ring = buildRing(backends);
        rings.set(backends, ring);
      }
      const { points, owners } = ring;
      const start = firstPointAtOrAfter(points, hashString(value));
      let rejected = -1;
      for (let step = 0; step < points.length; step++) {
        const owner = owners[(start + step) % points.length] ?? -1;
        if (owner === rejected) continue;
        const backend = backends[owner];
        if (backend !== undefined && ctx.isAvailable(backend)) return backend;
        rejected = owner;
      }
      return undefined;
    },
  };
}

function buildRing(backends: readonly Backend[]): Ring {
  const entries: { point: number; id: string; owner: number }[] = [];
  backends.forEach((backend, owner) => {
    for (let v = 0; v < VIRTUAL_NODES; v++) {
      entries.push({ point: hashString(`${backend.id}#${v}`), id: backend.id, owner });
    }
  });
  // Ties on a point are broken by id, so the ring does not depend on the order of the array.
  entries.sort((a, b) => a.point - b.point || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    points: Uint32Array.from(entries, (entry) => entry.point),
    owners: Uint32Array.from(entries, (entry) => entry.owner),
    size: backends.length,
  };
}

/** Index of the first point >= hash, wrapping to 0 past the last one. */
function firstPointAtOrAfter(points: Uint32Array, hash: number): number {
  let low = 0;
  let high = points.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((points[mid] ?? 0) < hash) low = mid + 1;
    else high = mid;
  }
  return low === points.length ? 0 : low;
}

/**
 * 32-bit FNV-1a over the UTF-16 code units, then murmur3's finaliser: FNV alone places similar
 * strings (`id#1`, `id#2`) too close together, the finaliser spreads them over the whole ring.
 */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
