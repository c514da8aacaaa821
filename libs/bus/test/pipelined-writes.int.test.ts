// Pipelined KV writes against a private nats-server: every write stored with a small window,
// deletes applied, and each way a write can fail (an error ack, no ack) named by its key.
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RouteTableError } from "../src/errors.js";
import { rememberBucket, writeKvPipelined } from "../src/kv/pipelined-writes.js";
import { type NatsServer, startNatsServer } from "../src/testing/index.js";

let nats: NatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
});

afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

const text = (value: string) => new TextEncoder().encode(value);

describe("writeKvPipelined", () => {
  it("stores every put and delete through a window smaller than the writes", async () => {
    const kv = rememberBucket(await new Kvm(nc).create("pipelined-all", { history: 1 }), nc, "pipelined-all");
    const puts = Array.from({ length: 500 }, (_, i) => ({ key: `k.${i}`, value: text(`v${i}`) }));
    await writeKvPipelined(kv, puts, { window: 16 });
    await writeKvPipelined(kv, [{ key: "k.0" }, { key: "k.1", value: text("again") }]);
    expect((await kv.get("k.0"))?.operation).toBe("DEL");
    expect((await kv.get("k.1"))?.string()).toBe("again");
    expect((await kv.get("k.499"))?.string()).toBe("v499");
    const keys: string[] = [];
    for await (const key of await kv.keys()) keys.push(key);
    expect(keys).toHaveLength(499);
  });

  it("rejects with the key of a write JetStream refused", async () => {
    const kv = rememberBucket(
      await new Kvm(nc).create("pipelined-small", { history: 1, maxValueSize: 8 }),
      nc,
      "pipelined-small",
    );
    const writes = [
      { key: "fits", value: text("tiny") },
      { key: "too.big", value: text("far more than eight bytes") },
    ];
    const error = await writeKvPipelined(kv, writes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RouteTableError);
    expect((error as RouteTableError).key).toBe("too.big");
    expect((error as Error).message).toMatch(/not stored: .*maximum/i);
  });

  it("rejects when no ack comes within the timeout", async () => {
    // A plain subscriber on the bucket's subjects: the publish has interest, but nobody acks.
    const silent = nc.subscribe("$KV.nobody-acks.>");
    const kv = rememberBucket(await new Kvm(nc).create("pipelined-silent"), nc, "nobody-acks");
    try {
      const started = performance.now();
      const error = await writeKvPipelined(kv, [{ key: "lost", value: text("x") }], {
        ackTimeoutMs: 100,
      }).catch((e: unknown) => e);
      expect((error as RouteTableError).key).toBe("lost");
      expect((error as Error).message).toMatch(/no ack from JetStream within 100 ms/);
      expect(performance.now() - started).toBeLessThan(1_000);
    } finally {
      silent.unsubscribe();
    }
  });
});
