// The routing half of the request path, shared by plain requests and upgrades: one table
// snapshot -> endpoint (most specific) -> filters -> route and backend among available ones.

import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type CidrSet,
  clientFromForwardedFor,
  type NormalizedRequest,
  normalizeRequest,
  RequestError,
} from "@signalbox/route-model";
import type { BackendStats } from "./backend-stats.js";
import type { ClientConnection } from "./connections.js";
import type { FilterOutcome } from "./filters/filter.js";
import type { OutgoingRequest } from "./forward/forward.js";
import { addForwarding, readRequestHead } from "./forward/headers.js";
import { peerAddressOf } from "./peer-address.js";
import { type Pick, RequestPick } from "./pick.js";
import type { ErrorReason } from "./respond-error.js";
import type { TableStore } from "./table/table-store.js";

export interface RouteDeps {
  tables: TableStore;
  stats: BackendStats;
  /** The scheme clients used to reach this listener. */
  proto: "http" | "https";
  /** Peers whose forwarding headers are believed (ROUTER_TRUSTED_PROXIES). */
  trustedProxies: CidrSet;
}

export type Routed =
  | { kind: "routed"; out: OutgoingRequest; pick: Pick; picker: RequestPick; tableVersion: number }
  | { kind: "refused"; reason: ErrorReason; requestId: string }
  | { kind: "filtered"; outcome: FilterOutcome; requestId: string };

/**
 * Routes `req` by the table current at this moment: 400 for a Host or target the normaliser
 * refuses, 503 not-ready before the first table, 404 without a matching endpoint, a filter's own
 * answer, 503 without an available backend. The path is matched and forwarded normalised.
 * `res` is undefined for an upgrade (the socket is answered raw); `connection` is the client's.
 */
export function routeRequest(
  req: IncomingMessage,
  res: ServerResponse | undefined,
  connection: ClientConnection | undefined,
  deps: RouteDeps,
): Routed {
  const upgrade = res === undefined;
  const table = deps.tables.current();
  const head = readRequestHead(req.rawHeaders, upgrade);
  let target: NormalizedRequest;
  try {
    target = normalizeRequest(req.url ?? "/", head.hosts);
  } catch (err) {
    if (!(err instanceof RequestError)) throw err;
    return refuse(err.kind === "bad-host" ? "bad-host" : "bad-target", head.requestId);
  }
  const peer = peerAddressOf(req.socket);
  const trustedPeer = deps.trustedProxies.contains(peer);
  const clientIp = trustedPeer
    ? clientFromForwardedFor(head.forwarding.xff, peer, deps.trustedProxies)
    : peer;
  const host = target.host.authority;
  addForwarding(head, { host, peer, trustedPeer, clientIp, proto: deps.proto });
  if (table === undefined) return refuse("not-ready", head.requestId);
  const endpoint = table.match(target.host.name, target.path);
  if (endpoint === undefined) return refuse("no-endpoint", head.requestId);
  const out: OutgoingRequest = {
    req,
    res: res as ServerResponse,
    connection,
    method: req.method ?? "GET",
    path: target.path,
    headers: head.headers,
    hasBody: head.hasBody,
    host,
    hostname: target.host.name,
    clientIp,
    proto: deps.proto,
    requestId: head.requestId,
    endpoint,
    stickyRoute: undefined,
  };
  if (!endpoint.filters.empty) {
    const outcome = endpoint.filters.onRequest(out);
    if (outcome !== undefined) return { kind: "filtered", outcome, requestId: head.requestId };
  }
  const picker = new RequestPick(deps.stats, endpoint, req.rawHeaders);
  const pick = picker.pick();
  if (pick === undefined) return refuse("no-healthy-backend", head.requestId);
  if (endpoint.stickyCookie !== undefined) out.stickyRoute = picker.cookie(endpoint.stickyCookie);
  return { kind: "routed", out, pick, picker, tableVersion: table.version };
}

function refuse(reason: ErrorReason, requestId: string): Routed {
  return { kind: "refused", reason, requestId };
}
