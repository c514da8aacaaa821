// The buckets, each created with one fixed config wherever it is opened: on
// nats-server 2.9 an idempotent create is safe, an open racing a create is not
// (contract: ARCHITECTURE.md "NATS 2.9 caution").

import type { KV } from "@nats-io/kv";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { buckets } from "../subjects.js";
import { rememberBucket } from "./pipelined-writes.js";

/** signalbox-routes: the latest value per key is all a reader needs; no TTL. */
const ROUTES_BUCKET = { history: 1 } as const;
/** signalbox-config: a few revisions to see what an API call changed. */
const CONFIG_BUCKET = { history: 5 } as const;

/** Creates (or opens, same config) the signalbox-routes bucket; writeRouteTable needs one opened here. */
export async function openRoutesBucket(nc: NatsConnection): Promise<KV> {
  return rememberBucket(await new Kvm(nc).create(buckets.routes, ROUTES_BUCKET), nc, buckets.routes);
}

/** signalbox-certs: keys are secrets; no history keeps a replaced one around. */
const CERTS_BUCKET = { history: 1 } as const;

/** Creates (or opens, same config) the signalbox-certs bucket. */
export function openCertsBucket(nc: NatsConnection): Promise<KV> {
  return new Kvm(nc).create(buckets.certs, CERTS_BUCKET);
}

/** Creates (or opens, same config) the signalbox-config bucket. */
export function openConfigBucket(nc: NatsConnection): Promise<KV> {
  return new Kvm(nc).create(buckets.config, CONFIG_BUCKET);
}
