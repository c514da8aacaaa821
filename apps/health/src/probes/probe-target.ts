// What to probe: the route table's backends -> probe targets (from their signalbox.health.*
// labels) and the entries the service status book needs, with a warning per bad label.
import { matchesSelector, parseSelector, type RouteTable, type Selector } from "@signalbox/route-model";
import type { BackendEntry } from "../status/service-status.js";

export type ProbeKind = "http" | "tcp" | "grpc";

export interface ProbeTarget {
  id: string;
  service: string;
  /** `host:port`, IPv6 as `[::1]:8080`. */
  address: string;
  kind: ProbeKind;
  /** HTTP probes: GET this path; 2xx and 3xx pass. */
  httpPath: string;
  /** gRPC probes: the service name asked of grpc.health.v1 Check/Watch. */
  grpcService: string;
  /** Backend of a `healthRequire` endpoint: out of rotation until its first pass. */
  heldOut: boolean;
}

export type ProbeResult = { ok: true } | { ok: false; reason: string };

/** One probe of one target; must settle soon after `signal` aborts (the timeout or a removal). */
export type Probe = (target: ProbeTarget, signal: AbortSignal) => Promise<ProbeResult>;

/** The message the probe loop aborted a probe with ("no answer within 1000 ms", "backend removed"). */
export function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : String(reason ?? "aborted");
}

export interface ProbePlan {
  targets: ProbeTarget[];
  /** Every backend of the table, probed or not: the agent's state still gives a verdict. */
  entries: BackendEntry[];
  /** One per backend whose labels could not be used (it is not probed) or bad selector. */
  warnings: string[];
}

export const HEALTH_LABELS = {
  type: "signalbox.health.type",
  path: "signalbox.health.path",
  grpcService: "signalbox.health.grpc-service",
} as const;

const KINDS: readonly string[] = ["http", "tcp", "grpc"];

/**
 * One target per backend: `signalbox.health.type` http (default), tcp or grpc; HTTP path from
 * `signalbox.health.path` (default `/`); gRPC service from `signalbox.health.grpc-service`
 * (default ""). A backend with an unusable label is not probed and gets a warning naming it.
 */
export function planProbes(table: Pick<RouteTable, "endpoints" | "backends">): ProbePlan {
  const warnings: string[] = [];
  const heldOutSelectors = requiredSelectors(table, warnings);
  const targets: ProbeTarget[] = [];
  const entries: BackendEntry[] = [];
  for (const backend of table.backends) {
    const heldOut = heldOutSelectors.some((selector) => matchesSelector(selector, backend.labels));
    entries.push({ id: backend.id, service: backend.service, state: backend.state, heldOut });
    const kind = backend.labels[HEALTH_LABELS.type] ?? "http";
    const httpPath = backend.labels[HEALTH_LABELS.path] ?? "/";
    if (!KINDS.includes(kind)) {
      warnings.push(
        `backend ${backend.id}: ${HEALTH_LABELS.type} "${kind}" is not http, tcp or grpc; not probed`,
      );
      continue;
    }
    if (!/^\/\S*$/.test(httpPath)) {
      warnings.push(
        `backend ${backend.id}: ${HEALTH_LABELS.path} "${httpPath}" is not a path starting with "/"; not probed`,
      );
      continue;
    }
    targets.push({
      id: backend.id,
      service: backend.service,
      address: backend.address,
      kind: kind as ProbeKind,
      httpPath,
      grpcService: backend.labels[HEALTH_LABELS.grpcService] ?? "",
      heldOut,
    });
  }
  return { targets, entries, warnings };
}

/** Same socket, same question: a probe state carries over only between such targets. */
export function isSameProbe(a: ProbeTarget, b: ProbeTarget): boolean {
  return (
    a.address === b.address &&
    a.kind === b.kind &&
    a.httpPath === b.httpPath &&
    a.grpcService === b.grpcService
  );
}

/** Selectors of every route of `healthRequire` endpoints: their backends wait for a first pass. */
function requiredSelectors(table: Pick<RouteTable, "endpoints">, warnings: string[]): Selector[] {
  const selectors: Selector[] = [];
  for (const endpoint of table.endpoints) {
    if (!endpoint.healthRequire) continue;
    for (const route of endpoint.routes) {
      try {
        selectors.push(parseSelector(route.selector));
      } catch (error) {
        warnings.push(`endpoint ${endpoint.pattern} route ${route.id}: ${(error as Error).message}`);
      }
    }
  }
  return selectors;
}
