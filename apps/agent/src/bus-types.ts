// NATS types as @signalbox/bus hands them out: the agent reaches NATS only through the bus
// library, so it names these types by what the bus returns.
import type { connectNats } from "@signalbox/bus";

export type NatsConnection = Awaited<ReturnType<typeof connectNats>>;
