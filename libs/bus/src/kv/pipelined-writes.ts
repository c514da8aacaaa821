// Many KV puts and deletes in flight on one connection, as JetStream's asynchronous publish
// does it: each message carries its own reply subject and one wildcard subscription counts
// the stream's acks. (A `kv.put` per key is a request with its own timer and pre-built
// errors: about 50 µs of client CPU each, 6 s for a 110k-key table instead of under 1.)

import type { KV } from "@nats-io/kv";
import { createInbox, headers, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { type Clock, systemClock, type TimerHandle } from "@signalbox/backoff";
import { RouteTableError } from "../errors.js";
import { kvKeySubject } from "../subjects.js";

/** One key's new value, or its deletion when `value` is undefined. */
export interface KvWrite {
  key: string;
  value?: Uint8Array;
}

export interface PipelinedWriteOptions {
  /** Writes published and not yet acked, at most (default 4096). */
  window?: number;
  /** Rejects when no ack arrives for this long while writes are outstanding (default 5000). */
  ackTimeoutMs?: number;
  clock?: Clock;
}

interface BucketHandle {
  nc: NatsConnection;
  bucket: string;
}

const handles = new WeakMap<KV, BucketHandle>();
const EMPTY = new Uint8Array(0);
const DELETE = headers();
DELETE.set("KV-Operation", "DEL");
const decoder = new TextDecoder();

/** Records the connection and name of a bucket this package opened, for writeKvPipelined. */
export function rememberBucket(kv: KV, nc: NatsConnection, bucket: string): KV {
  handles.set(kv, { nc, bucket });
  return kv;
}

/**
 * Publishes every write to `kv` (opened by openRoutesBucket) and resolves once JetStream
 * stored each one; the order in which they are stored is not defined. Rejects with a
 * RouteTableError naming the key on the first failure (an error ack, no stream for the
 * subject, no ack within `ackTimeoutMs`) and publishes nothing more; writes already
 * published may have been stored.
 */
export function writeKvPipelined(
  kv: KV,
  writes: readonly KvWrite[],
  opts: PipelinedWriteOptions = {},
): Promise<void> {
  const handle = handles.get(kv);
  if (handle === undefined) {
    return Promise.reject(new RouteTableError("bucket", "was not opened with openRoutesBucket"));
  }
  if (writes.length === 0) return Promise.resolve();
  const { nc, bucket } = handle;
  const window = opts.window ?? 4096;
  const ackTimeoutMs = opts.ackTimeoutMs ?? 5_000;
  const clock = opts.clock ?? systemClock;
  // The connection's own prefix (nats.js keeps it on the connection's options, as its
  // JetStream client reads it): a role may subscribe only below its `_INBOX_<user>`.
  const inbox = createInbox((nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix);
  return new Promise<void>((resolve, reject) => {
    let sent = 0;
    let acked = 0;
    let ackedAtLastCheck = -1;
    let settled = false;
    let timer: TimerHandle | undefined;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      if (timer) clock.clearTimeout(timer);
      subscription.unsubscribe();
      if (error) reject(error);
      else resolve();
    };
    // One timer per period rather than one per ack: fails when a whole period brought none.
    const checkProgress = () => {
      if (acked === ackedAtLastCheck) {
        const key = (writes[acked] as KvWrite).key;
        finish(new RouteTableError(key, `no ack from JetStream within ${ackTimeoutMs} ms`));
        return;
      }
      ackedAtLastCheck = acked;
      timer = clock.setTimeout(checkProgress, ackTimeoutMs);
    };
    const fill = () => {
      while (sent < writes.length && sent - acked < window) {
        const write = writes[sent] as KvWrite;
        const subject = kvKeySubject(bucket, write.key);
        const reply = `${inbox}.${sent}`;
        if (write.value === undefined) nc.publish(subject, EMPTY, { reply, headers: DELETE });
        else nc.publish(subject, write.value, { reply });
        sent++;
      }
    };
    const subscription = nc.subscribe(`${inbox}.*`, {
      callback: (error, msg) => {
        if (settled) return;
        const failure = error ? error.message : ackFailure(msg);
        if (failure !== undefined) {
          const index = Number(msg?.subject.slice(inbox.length + 1));
          const key = writes[index]?.key ?? "bucket";
          finish(new RouteTableError(key, `not stored: ${failure}`, error ? { cause: error } : undefined));
          return;
        }
        acked++;
        if (acked === writes.length) finish();
        else fill();
      },
    });
    checkProgress();
    fill();
  });
}

/** Why a JetStream publish ack reports a failure, or undefined for `{stream, seq}`. */
function ackFailure(msg: Msg): string | undefined {
  const status = msg.headers?.code ?? 0;
  if (status >= 300) return `status ${status} ${msg.headers?.description ?? ""}`.trim();
  try {
    const ack = JSON.parse(decoder.decode(msg.data)) as { seq?: unknown; error?: { description?: string } };
    if (ack.error !== undefined) return ack.error.description ?? JSON.stringify(ack.error);
    return typeof ack.seq === "number" ? undefined : "the ack has no sequence";
  } catch {
    return "the ack is not JSON";
  }
}
