// The routing half of the request path, shared by plain requests and upgrades: one table
// snapshot -> endpoint (most specific) -> filters -> route and backend among available ones.

import type { IncomingMessage, ServerResponse } from "node:http";
import { hostFromHeader } from "@signalbox/route-model";
import type { BackendStats } from "./backend-stats.js";
import type { ClientConnection } from "./connections.js";
import type { FilterOutcome } from "./filters/filter.js";
import type { OutgoingRequest } from "./forward/forward.js";
import { clientIpOf, readRequestHead } from "./forward/headers.js";
import { type Pick, RequestPick } from "./pick.js";
import type { ErrorReason } from "./respond-error.js";
import type { TableStore } from "./table/table-store.js";

export interface RouteDeps {
  tables: TableStore;
  stats: BackendStats;
  /** The scheme clients used to reach this listener. */
  proto: "http" | "https";
}

export type Routed =
  | { kind: "routed"; out: OutgoingRequest; pick: Pick; picker: RequestPick; tableVersion: number }
  | { kind: "refused"; reason: ErrorReason; requestId: string }
  | { kind: "filtered"; outcome: FilterOutcome; requestId: string };

/**
 * Routes `req` by the table current at this moment: 503 not-ready before the first table, 404
 * without a matching endpoint, a filter's own answer, 503 without an available backend.
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
  const clientIp = clientIpOf(req.socket.remoteAddress);
  const head = readRequestHead(req.rawHeaders, { clientIp, proto: deps.proto, upgrade });
  if (table === undefined) return refuse("not-ready", head.requestId);
  const url = req.url ?? "/";
  const endpoint = table.match(hostFromHeader(head.host), url);
  if (endpoint === undefined) return refuse("no-endpoint", head.requestId);
  const out: OutgoingRequest = {
    req,
    res: res as ServerResponse,
    connection,
    method: req.method ?? "GET",
    path: url,
    headers: head.headers,
    hasBody: head.hasBody,
    host: head.host,
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
