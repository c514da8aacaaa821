// The leader lease against a private nats-server: CAS election, takeover after expiry,
// loss to another writer, a late renewal nobody contested, and a failed takeover.
import type { Clock } from "@signalbox/backoff";
import { ManualClock } from "@signalbox/backoff/testing";
import { connectNats, openConfigBucket } from "@signalbox/bus";
import { captureLogger, type NatsServer, startNatsServer } from "@signalbox/bus/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { KV, NatsConnection } from "../src/bus-types.js";
import { createLeaderLease, decodeLease, type LeaderLease } from "../src/leader/leader-lease.js";
import { driveUntil } from "./drive-clock.js";

const TTL_MS = 600;
let nats: NatsServer;
let nc: NatsConnection;
let kv: KV;
/** Each test contends for a key of its own. */
let keyCount = 0;
let key = `watcher.leader-test-${keyCount}`;
const leases: LeaderLease[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connectNats({ servers: nats.url, name: "lease-test", logger: captureLogger("silent").logger });
  kv = await openConfigBucket(nc);
});
afterAll(async () => {
  await nc.close();
  await nats.stop();
});
afterEach(async () => {
  for (const lease of leases.splice(0)) await lease.stop();
  key = `watcher.leader-test-${++keyCount}`;
});
function lease(watcherId: string, clock: Clock, onElected: () => Promise<void> = async () => {}) {
  const events: string[] = [];
  const log = captureLogger("info");
  const created = createLeaderLease({
    kv,
    key,
    watcherId,
    ttlMs: TTL_MS,
    clock,
    logger: log.logger,
    onElected: async () => {
      events.push("elected");
      await onElected();
    },
    onDemoted: (reason) => events.push(`demoted: ${reason}`),
  });
  leases.push(created);
  return { lease: created, events, log };
}

async function holder(): Promise<string | undefined> {
  const entry = await kv.get(key);
  return entry?.operation === "PUT" ? decodeLease(entry.value)?.watcherId : undefined;
}

describe("leader lease", () => {
  it("elects exactly one of two contenders and keeps it while it renews", async () => {
    const clock = new ManualClock(1_000_000);
    const a = lease("a", clock);
    const b = lease("b", clock);
    a.lease.start();
    await driveUntil(clock, () => a.lease.isLeader(), "a elected");
    b.lease.start();
    await driveUntil(clock, () => clock.now() > 1_000_000 + 5 * TTL_MS, "five lease lifetimes", {
      stepMs: 20,
    });
    expect(a.lease.isLeader()).toBe(true);
    expect(b.lease.isLeader()).toBe(false);
    expect(a.events).toEqual(["elected"]);
    expect(b.events).toEqual([]);
    expect(await holder()).toBe("a");
  });

  it("loses the lease to a watcher that took the key, and says so", async () => {
    const clock = new ManualClock(1_000_000);
    const a = lease("a", clock);
    a.lease.start();
    await driveUntil(clock, () => a.lease.isLeader(), "a elected");
    await kv.put(key, new TextEncoder().encode(JSON.stringify({ watcherId: "intruder", expiresAt: 9e15 })));
    await driveUntil(clock, () => !a.lease.isLeader() && a.events.length === 2, "a demoted");
    expect(a.events[1]).toBe("demoted: lease taken by another watcher");
  });

  it("renews late when its timers ran late but nobody took the lease, and runs onElected again", async () => {
    const manual = new ManualClock(1_000_000);
    let skewMs = 0;
    // A blocked event loop: time moves on, the renewal timer fires late.
    const clock: Clock = {
      now: () => manual.now() + skewMs,
      setTimeout: (fn, ms) => manual.setTimeout(fn, ms),
      clearTimeout: (handle) => manual.clearTimeout(handle),
    };
    const a = lease("a", clock);
    a.lease.start();
    await driveUntil(manual, () => a.lease.isLeader(), "a elected");
    skewMs = TTL_MS + 100;
    expect(a.lease.isLeader()).toBe(false);
    await driveUntil(manual, () => a.events.length === 2, "renewal", { stepMs: 20 });
    expect(a.events).toEqual(["elected", "elected"]);
    expect(a.lease.isLeader()).toBe(true);
    expect(a.log.find("renewed after it had expired")).toHaveLength(1);
  });

  it("hands the lease back when taking over fails, so it is contended again", async () => {
    const clock = new ManualClock(1_000_000);
    let failures = 1;
    const a = lease("a", clock, async () => {
      if (failures-- > 0) throw new Error("KV unreadable");
    });
    a.lease.start();
    await driveUntil(clock, () => a.events.length >= 3 && a.lease.isLeader(), "a elected again");
    expect(a.events.slice(0, 3)).toEqual(["elected", "demoted: taking over failed", "elected"]);
  });

  it("hands the lease over at stop so a standby takes it within one check", async () => {
    const clock = new ManualClock(1_000_000);
    const a = lease("a", clock);
    const b = lease("b", clock);
    a.lease.start();
    await driveUntil(clock, () => a.lease.isLeader(), "a elected");
    b.lease.start();
    await a.lease.stop();
    const stoppedAt = clock.now();
    await driveUntil(clock, () => b.lease.isLeader(), "b elected", { stepMs: 5 });
    expect(clock.now() - stoppedAt).toBeLessThanOrEqual(TTL_MS / 3 + 10);
    expect(await holder()).toBe("b");
  });
});
