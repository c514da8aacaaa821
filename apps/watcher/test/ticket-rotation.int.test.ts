// The shared TLS ticket key in signalbox-certs against a real nats-server: created when missing,
// kept for a day, then replaced; two watchers checking at once write one key between them.

import { ManualClock } from "@signalbox/backoff/testing";
import { certKeys, connectNats, openCertsBucket, ticketKeysSchema } from "@signalbox/bus";
import { captureLogger, type NatsServer, startNatsServer } from "@signalbox/bus/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KV, NatsConnection } from "../src/bus-types.js";
import { startTicketRotation, TICKET_ROTATION_MS } from "../src/certs/ticket-rotation.js";

let server: NatsServer;
let nc: NatsConnection;
let kv: KV;
const logger = captureLogger("silent").logger;

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connectNats({ servers: server.url, name: "test-tickets", logger });
  kv = await openCertsBucket(nc);
});

afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

async function readTickets(): Promise<{ key: string; rotatedAt: number; revision: number }> {
  const entry = await kv.get(certKeys.tickets);
  if (entry === null) throw new Error("no tickets entry");
  return {
    ...ticketKeysSchema.parse(JSON.parse(new TextDecoder().decode(entry.value))),
    revision: entry.revision,
  };
}

describe("ticket key rotation", () => {
  it("creates a 48-byte key, keeps it for a day, then replaces it; two watchers write once", async () => {
    const clock = new ManualClock(1_000_000);
    // Checks run when the test says so: the periodic timer is set past the test's horizon.
    const opts = { certsKv: kv, clock, logger, checkEveryMs: 10 * TICKET_ROTATION_MS };
    const a = startTicketRotation(opts);
    const b = startTicketRotation(opts);
    await Promise.all([a.check(), b.check()]);
    const first = await readTickets();
    expect(Buffer.from(first.key, "base64")).toHaveLength(48);
    expect(first.rotatedAt).toBe(1_000_000);

    clock.advance(TICKET_ROTATION_MS - 1);
    await Promise.all([a.check(), b.check()]);
    expect(await readTickets()).toEqual(first);

    // A day later both notice; compare-and-set lets exactly one replace it.
    clock.advance(1);
    const now = 1_000_000 + TICKET_ROTATION_MS;
    await Promise.all([a.check(), b.check()]);
    const second = await readTickets();
    expect(second.key).not.toBe(first.key);
    expect(second.rotatedAt).toBe(now);
    expect(second.revision).toBe(first.revision + 1);
    await Promise.all([a.stop(), b.stop()]);
  });
});
