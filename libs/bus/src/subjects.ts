// Every NATS subject, KV bucket and KV key of Signalbox is spelled here and nowhere else
// (contract: ARCHITECTURE.md "NATS"), with the one encoder of names inside subjects.

import { ServiceTokenError, SubjectError } from "./errors.js";
import { escapeToken, unescapeToken } from "./token-encoding.js";

/**
 * A service name (or any id) as one NATS token: every byte outside [A-Za-z0-9_-] is
 * written `%XX` (UTF-8, uppercase hex): `/shop/web` -> `%2Fshop%2Fweb`.
 */
export function encodeServiceToken(name: string): string {
  if (name === "") throw new ServiceTokenError(name, 0, "a name must not be empty");
  return escapeToken(name, "%");
}

/** The inverse of encodeServiceToken; throws ServiceTokenError for anything it would not produce. */
export function decodeServiceToken(token: string): string {
  if (token === "") throw new ServiceTokenError(token, 0, "a token must not be empty");
  const result = unescapeToken(token, "%");
  if (!result.ok) throw new ServiceTokenError(token, result.position, result.reason);
  return result.text;
}

const API_OP = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;

export const subjects = {
  /** watcher -> all: `{version, hash, generatedAt, changed}` after each table change. */
  routesUpdated: "routes.updated",
  /** health -> all: the verdicts for one service. */
  health: (service: string) => `health.${encodeServiceToken(service)}`,
  healthAll: "health.>",
  /** agent -> watcher, request/reply. */
  agentRegister: "agent.register",
  agentDeregister: "agent.deregister",
  agentHeartbeat: (backendId: string) => `agent.heartbeat.${encodeServiceToken(backendId)}`,
  agentHeartbeatAll: "agent.heartbeat.*",
  /** router -> all: per-backend request counts each second. */
  routerStats: (routerId: string) => `stats.router.${encodeServiceToken(routerId)}`,
  routerStatsAll: "stats.router.*",
  /** cli -> watcher, request/reply; `op` is dotted lowercase (`query`, `route.add`, `token.revoke`). */
  api: (op: string) => {
    if (!API_OP.test(op))
      throw new SubjectError(`signalbox.api.${op}`, `api op "${op}" is not dotted lowercase`);
    return `signalbox.api.${op}`;
  },
  apiAll: "signalbox.api.>",
} as const;

export const buckets = {
  /** The RouteTable, one key per endpoint and per backend, `meta` last. History 1, no TTL. */
  routes: "signalbox-routes",
  /** API-defined endpoints/routes and hashed agent tokens. History 5. */
  config: "signalbox-config",
  /** TLS certificates with their keys, the default certificate, the shared ticket key. History 1. */
  certs: "signalbox-certs",
} as const;

/** The subject a KV key's values are published on (the KV protocol: `$KV.<bucket>.<key>`). */
export function kvKeySubject(bucket: string, key: string): string {
  return `$KV.${bucket}.${key}`;
}

/** The key written last: `{version, hash, generatedAt, ...}` of the table the other keys make up. */
export const META_KEY = "meta";

// KV keys allow only [-/_=.a-zA-Z0-9], so patterns and ids are escaped with `=XX`
// (`www.example.com/blog` -> `endpoint.www=2Eexample=2Ecom=2Fblog`), readable in `nats kv ls`.

/** The routes-bucket key of the endpoint with this (normalised) pattern. */
export function endpointKey(pattern: string): string {
  return `endpoint.${escapeToken(pattern, "=")}`;
}

/** The routes-bucket key of the backend with this id. */
export function backendKey(id: string): string {
  return `backend.${escapeToken(id, "=")}`;
}

export type RouteKey =
  | { kind: "meta" }
  | { kind: "endpoint"; pattern: string }
  | { kind: "backend"; id: string };

/** What a routes-bucket key names, or undefined for a key these helpers never write. */
export function parseRouteKey(key: string): RouteKey | undefined {
  if (key === META_KEY) return { kind: "meta" };
  const dot = key.indexOf(".");
  const kind = key.slice(0, dot);
  const rest = key.slice(dot + 1);
  if (dot < 0 || rest === "" || (kind !== "endpoint" && kind !== "backend")) return undefined;
  const result = unescapeToken(rest, "=");
  if (!result.ok) return undefined;
  return kind === "endpoint" ? { kind, pattern: result.text } : { kind, id: result.text };
}
