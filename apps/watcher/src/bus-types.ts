// NATS types as @signalbox/bus hands them out: the watcher reaches NATS only through
// the bus library, so it names these types by what the bus returns.
import type { connectNats, openConfigBucket } from "@signalbox/bus";

export type NatsConnection = Awaited<ReturnType<typeof connectNats>>;
export type KV = Awaited<ReturnType<typeof openConfigBucket>>;
