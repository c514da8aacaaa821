// The five NATS roles of Signalbox and what each may publish and subscribe (contract:
// docs/architecture.md "NATS roles"): derived from the subjects and buckets in subjects.ts
// and from what nats.js v3 sends for each KV operation, so nothing else names them.

import { buckets, subjects } from "../subjects.js";

export const ROLES = ["watcher", "router", "health", "agent", "admin"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(name: string): name is Role {
  return (ROLES as readonly string[]).includes(name);
}

export interface RolePermissions {
  publish: readonly string[];
  subscribe: readonly string[];
  /** May publish to the reply subject of a request it received (a responder). */
  allowResponses: boolean;
}

/**
 * The inbox prefix a connection of this NATS user uses for its replies (connectNats sets it
 * from NATS_USER): each role may subscribe only below its own prefix, so no role reads
 * another's replies.
 */
export function inboxPrefix(user: string): string {
  return `_INBOX_${user}`;
}

/** JetStream's stream behind a KV bucket. */
function kvStream(bucket: string): string {
  return `KV_${bucket}`;
}

/**
 * What reading a bucket takes with nats.js v3 on nats-server 2.9+: the account info check,
 * the stream's info (and its create, sent only when the stream does not exist yet: the
 * bucket's openers create it with one fixed config), the last value of a key (DIRECT.GET
 * with allow_direct, STREAM.MSG.GET without), and the ordered push consumer behind watch()
 * and keys() (create, info, delete, flow-control replies). The consumer delivers to the
 * reader's own inbox.
 */
function kvRead(bucket: string): string[] {
  const stream = kvStream(bucket);
  return [
    "$JS.API.INFO",
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.STREAM.CREATE.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.*`,
    `$JS.API.CONSUMER.DELETE.${stream}.*`,
    `$JS.FC.${stream}.>`,
  ];
}

/** Reading plus put, create, update and delete of keys (a publish on `$KV.<bucket>.<key>`). */
function kvWrite(bucket: string): string[] {
  return [...kvRead(bucket), `$KV.${bucket}.>`];
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/** Every role's permissions; the reply inbox of each is below inboxPrefix(role). */
export function rolePermissions(role: Role): RolePermissions {
  const inbox = `${inboxPrefix(role)}.>`;
  switch (role) {
    case "watcher":
      // The only writer of the buckets and the only responder (agent.* and signalbox.api.*).
      return {
        publish: unique([
          subjects.routesUpdated,
          ...kvWrite(buckets.routes),
          ...kvWrite(buckets.config),
          ...kvWrite(buckets.certs),
        ]),
        subscribe: [
          subjects.agentRegister,
          subjects.agentHeartbeatAll,
          subjects.agentDeregister,
          subjects.apiAll,
          subjects.routerStatsAll,
          subjects.healthAll,
          inbox,
        ],
        allowResponses: true,
      };
    case "router":
      // Any router id: the stats subject's last token is the router's own choice (ROUTER_ID).
      return {
        // signalbox-certs too: its TLS listeners follow the certificates and the ticket key.
        publish: unique([subjects.routerStatsAll, ...kvRead(buckets.routes), ...kvRead(buckets.certs)]),
        subscribe: [subjects.routesUpdated, subjects.healthAll, inbox],
        allowResponses: false,
      };
    case "health":
      return {
        publish: [subjects.healthAll, ...kvRead(buckets.routes)],
        subscribe: [inbox],
        allowResponses: false,
      };
    case "agent":
      // Requests to the watcher only; router stats tell a draining agent when traffic stopped.
      return {
        publish: [subjects.agentRegister, subjects.agentHeartbeatAll, subjects.agentDeregister],
        subscribe: [subjects.routerStatsAll, inbox],
        allowResponses: false,
      };
    case "admin":
      return { publish: [subjects.apiAll], subscribe: [inbox], allowResponses: false };
  }
}
