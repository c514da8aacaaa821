// The leader lease: one key in signalbox-config holding {watcherId, expiresAt}, taken
// with kv.create / kv.update(key, value, revision) so exactly one watcher writes the
// route table; renewed every ttl/3, taken over by a standby once it has expired.
import type { Clock, TimerHandle } from "@signalbox/backoff";
import type { Logger } from "pino";
import type { KV } from "../bus-types.js";

export interface LeaseValue {
  watcherId: string;
  /** Epoch ms on the holder's clock. */
  expiresAt: number;
}

export interface LeaderLeaseOptions {
  kv: KV;
  key: string;
  watcherId: string;
  ttlMs: number;
  clock: Clock;
  logger: Logger;
  /** Called once this watcher holds the lease; renewal goes on while it runs. */
  onElected: () => Promise<void>;
  /** Called when the lease is lost (taken, or not renewed before it expired). */
  onDemoted: (reason: string) => void;
}

export interface LeaderLease {
  /** True while the lease is held and, by this watcher's clock, not expired. */
  isLeader(): boolean;
  start(): void;
  /** Stops renewing; a leader hands the lease back (expiresAt 0) so a standby takes over at once. */
  stop(): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A lease value read from KV, or undefined for anything else (a standby treats that as free). */
export function decodeLease(data: Uint8Array): LeaseValue | undefined {
  try {
    const value = JSON.parse(decoder.decode(data)) as Partial<LeaseValue>;
    if (typeof value.watcherId === "string" && typeof value.expiresAt === "number") {
      return { watcherId: value.watcherId, expiresAt: value.expiresAt };
    }
  } catch {
    // not JSON: treated as free
  }
  return undefined;
}

/**
 * A standby reads the key every ttl/3 and takes it when it is missing, deleted, unreadable
 * or past `expiresAt`; the CAS on the revision it read makes one contender win. A leader
 * whose renewal fails for a NATS error keeps writing only until its own `expiresAt`.
 */
export function createLeaderLease(opts: LeaderLeaseOptions): LeaderLease {
  const { kv, key, clock, logger } = opts;
  const tickMs = Math.max(1, Math.floor(opts.ttlMs / 3));
  let revision = 0;
  let expiresAt = 0;
  let leader = false;
  let stopped = false;
  let timer: TimerHandle | undefined;
  let ticking: Promise<void> | undefined;

  const encode = (until: number) =>
    encoder.encode(JSON.stringify({ watcherId: opts.watcherId, expiresAt: until }));

  const demote = (reason: string) => {
    if (!leader) return;
    leader = false;
    logger.warn({ reason }, "leader lease lost");
    opts.onDemoted(reason);
  };

  const elected = () => {
    opts.onElected().catch(async (error: unknown) => {
      // A leader that cannot take over (KV unreadable) hands the lease back rather than sit on it.
      logger.error({ err: error }, "taking over as leader failed; handing the lease back");
      const held = revision;
      demote("taking over failed");
      await kv.update(key, encode(0), held).catch(() => undefined);
    });
  };

  /**
   * A renewal that comes after the lease expired (the event loop was blocked longer than
   * the ttl) still succeeds when nobody took the lease meanwhile: the CAS on our revision
   * proves it. Nothing was written while it was expired (isLeader() was false), so
   * onElected runs again to pick up what waited.
   */
  const renew = async () => {
    const now = clock.now();
    const lateMs = now - expiresAt;
    try {
      revision = await kv.update(key, encode(now + opts.ttlMs), revision);
      expiresAt = now + opts.ttlMs;
      if (lateMs >= 0) {
        logger.warn({ lateMs }, "leader lease renewed after it had expired; nobody had taken it");
        elected();
      }
    } catch (error) {
      const entry = await kv.get(key).catch(() => null);
      const holder = entry?.operation === "PUT" ? decodeLease(entry.value) : undefined;
      if (entry && holder?.watcherId === opts.watcherId) {
        revision = entry.revision; // our own write whose answer was lost
      } else if (entry && entry.revision !== revision) {
        demote("lease taken by another watcher");
      } else if (lateMs >= 0) {
        demote("lease expired and could not be renewed");
      } else {
        logger.warn({ err: error }, "leader lease renewal failed; retrying");
      }
    }
  };

  const contend = async () => {
    const now = clock.now();
    const entry = await kv.get(key);
    const current = entry?.operation === "PUT" ? decodeLease(entry.value) : undefined;
    if (current && current.expiresAt > now) return;
    try {
      revision = entry
        ? await kv.update(key, encode(now + opts.ttlMs), entry.revision)
        : await kv.create(key, encode(now + opts.ttlMs));
    } catch {
      return; // another standby won the CAS
    }
    expiresAt = now + opts.ttlMs;
    leader = true;
    logger.info({ watcherId: opts.watcherId, previous: current?.watcherId }, "leader lease taken");
    elected();
  };

  const tick = async () => {
    try {
      if (leader) await renew();
      else await contend();
    } catch (error) {
      logger.warn({ err: error }, "leader lease check failed");
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      ticking = tick().finally(() => {
        ticking = undefined;
        schedule();
      });
    }, tickMs);
  };

  return {
    isLeader: () => leader && clock.now() < expiresAt,
    start() {
      ticking = tick().finally(() => {
        ticking = undefined;
        schedule();
      });
    },
    async stop() {
      stopped = true;
      if (timer) clock.clearTimeout(timer);
      await ticking;
      if (!leader) return;
      leader = false;
      await kv.update(key, encode(0), revision).catch((error) => {
        logger.warn({ err: error }, "could not hand the leader lease back; it expires on its own");
      });
    },
  };
}
