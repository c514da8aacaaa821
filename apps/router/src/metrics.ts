// The router's Prometheus metrics on its own Registry. The request path only bumps plain numbers;
// prom-client reads them (and BackendStats, the table, the connections) when /metrics is scraped.

import type { SkippedKeys } from "@signalbox/bus";
import type { CompiledTable } from "@signalbox/route-model";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { BackendState, BackendStats } from "./backend-stats.js";
import type { Connections } from "./connections.js";
import type { Pick } from "./pick.js";
import type { ErrorReason } from "./respond-error.js";
import type { RoutedEndpoint, TableStore } from "./table/table-store.js";

export interface MetricSources {
  stats: BackendStats;
  tables: TableStore;
  connections: Connections;
  /** Unusable keys of signalbox-routes the table follower skipped. */
  skippedKeys: SkippedKeys;
}

export class RouterMetrics {
  readonly registry = new Registry();
  private readonly statusClasses = [0, 0, 0, 0, 0, 0];
  private readonly errors = new Map<ErrorReason, number>();
  private retries = 0;
  private swaps = 0;
  private healthIgnored = 0;
  private ownListenerBackends = 0;
  private readonly requestDuration: Histogram<"endpoint" | "route" | "code">;
  private readonly upstreamDuration: Histogram<"backend">;
  /** The label sets observed so far, by a key made of their values (label values come from the table). */
  private readonly requestSeries = new Map<string, RequestLabels>();
  private readonly upstreamSeries = new Map<string, { backend: string }>();

  constructor(sources: MetricSources) {
    const self = this;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "signalbox_router_" });
    new Counter({
      name: "signalbox_router_responses_total",
      help: "Responses sent to clients, by status class (router-made answers included)",
      labelNames: ["code"],
      registers,
      collect() {
        this.reset();
        for (let i = 1; i < 6; i++) this.inc({ code: `${i}xx` }, self.statusClasses[i] ?? 0);
      },
    });
    new Counter({
      name: "signalbox_router_errors_total",
      help: "Answers the router gave itself, by reason (x-signalbox-error)",
      labelNames: ["reason"],
      registers,
      collect() {
        this.reset();
        for (const [reason, count] of self.errors) this.inc({ reason }, count);
      },
    });
    new Counter({
      name: "signalbox_router_retries_total",
      help: "Attempts repeated on another backend after a dial failure",
      registers,
      collect() {
        this.reset();
        this.inc(self.retries);
      },
    });
    new Counter({
      name: "signalbox_router_table_swaps_total",
      help: "Route tables compiled and made current",
      registers,
      collect() {
        this.reset();
        this.inc(self.swaps);
      },
    });
    new Counter({
      name: "signalbox_router_health_verdicts_ignored_total",
      help: "Health verdicts ignored: a message not fit for its subject, or a backend of another service",
      registers,
      collect() {
        this.reset();
        this.inc(self.healthIgnored);
      },
    });
    new Counter({
      name: "signalbox_router_own_listener_backends_total",
      help: "Backends refused because their address is one of this router's own listeners",
      registers,
      collect() {
        this.reset();
        this.inc(self.ownListenerBackends);
      },
    });
    new Counter({
      name: "signalbox_router_kv_skipped_entries_total",
      help: "signalbox-routes entries skipped: a value that does not decode or a key outside the schema",
      registers,
      collect() {
        this.reset();
        this.inc(sources.skippedKeys.total);
      },
    });
    new Gauge({
      name: "signalbox_router_table_version",
      help: "Version of the current route table (-1 before the first)",
      registers,
      collect() {
        this.set(sources.tables.current()?.version ?? -1);
      },
    });
    new Gauge({
      name: "signalbox_router_client_connections",
      help: "Open client connections",
      registers,
      collect() {
        this.set(sources.connections.size);
      },
    });
    new Gauge({
      name: "signalbox_router_tunnels",
      help: "WebSocket upgrades being dialled or tunnelled (ROUTER_MAX_TUNNELS caps them)",
      registers,
      collect() {
        this.set(sources.connections.tunnels);
      },
    });
    this.requestDuration = new Histogram({
      name: "signalbox_router_request_duration_seconds",
      help: "Time from a request's arrival to its answer, by endpoint pattern, route id and status class (router-made answers: endpoint and route empty)",
      labelNames: ["endpoint", "route", "code"],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.upstreamDuration = new Histogram({
      name: "signalbox_router_upstream_duration_seconds",
      help: "Time from dispatching the last attempt to the end of the backend's response, by backend id",
      labelNames: ["backend"],
      buckets: DURATION_BUCKETS,
      registers,
    });
    const eachBackend = (set: (id: string, value: number) => void, read: (s: BackendState) => number) => {
      for (const state of sources.stats.all()) set(state.id, read(state));
    };
    for (const [name, help, read] of [
      [
        "signalbox_router_backend_requests_total",
        "Exchanges per backend",
        (s: BackendState) => s.totalRequests,
      ],
      [
        "signalbox_router_backend_errors_total",
        "Failed or 5xx exchanges per backend",
        (s: BackendState) => s.totalErrors,
      ],
    ] as const) {
      new Counter({
        name,
        help,
        labelNames: ["backend"],
        registers,
        collect() {
          this.reset();
          eachBackend((backend, value) => this.inc({ backend }, value), read);
        },
      });
    }
    for (const [name, help, read] of [
      [
        "signalbox_router_backend_in_flight",
        "Requests in flight per backend",
        (s: BackendState) => s.inFlight,
      ],
      [
        "signalbox_router_backend_ejected",
        "1 while a backend is ejected",
        (s: BackendState) => (sources.stats.isEjected(s.id) ? 1 : 0),
      ],
    ] as const) {
      new Gauge({
        name,
        help,
        labelNames: ["backend"],
        registers,
        collect() {
          this.reset();
          eachBackend((backend, value) => this.set({ backend }, value), read);
        },
      });
    }
  }

  countStatus(status: number): void {
    const index = (status / 100) | 0;
    if (index > 0 && index < 6) this.statusClasses[index] = (this.statusClasses[index] ?? 0) + 1;
  }

  /** A router-made answer (also counted under its status class by the caller's status). */
  countError(reason: ErrorReason, status: number): void {
    this.errors.set(reason, (this.errors.get(reason) ?? 0) + 1);
    this.countStatus(status);
  }

  countRetry(): void {
    this.retries += 1;
  }

  countSwap(): void {
    this.swaps += 1;
  }

  countOwnListenerBackend(): void {
    this.ownListenerBackends += 1;
  }

  countHealthIgnored(verdicts: number): void {
    this.healthIgnored += verdicts;
  }
  /** A forwarded request's duration and its last attempt's (ms). */
  observeForwarded(
    endpoint: RoutedEndpoint,
    pick: Pick,
    status: number,
    durationMs: number,
    upstreamMs: number,
  ): void {
    const pattern = endpoint.compiled.endpoint.pattern;
    const routeId = pick.route.route.id;
    const code = statusClass(status);
    const key = `${pattern}\n${routeId}\n${code}`;
    let labels = this.requestSeries.get(key);
    if (labels === undefined) {
      labels = { endpoint: pattern, route: routeId, code };
      this.requestSeries.set(key, labels);
    }
    this.requestDuration.observe(labels, durationMs / 1000);
    const backendId = pick.backend.id;
    let backend = this.upstreamSeries.get(backendId);
    if (backend === undefined) {
      backend = { backend: backendId };
      this.upstreamSeries.set(backendId, backend);
    }
    this.upstreamDuration.observe(backend, upstreamMs / 1000);
  }

  /** A router-made answer's duration (ms): no endpoint or route label. */
  observeRefused(status: number, durationMs: number): void {
    const code = statusClass(status);
    const key = `\n\n${code}`;
    let labels = this.requestSeries.get(key);
    if (labels === undefined) {
      labels = { endpoint: "", route: "", code };
      this.requestSeries.set(key, labels);
    }
    this.requestDuration.observe(labels, durationMs / 1000);
  }

  /** Drops the series of endpoints, routes and backends `table` no longer has. */
  dropRemovedSeries(table: CompiledTable): void {
    if (this.requestSeries.size > 0) {
      const routes = new Set<string>();
      for (const endpoint of table.endpoints) {
        for (const route of endpoint.routes) routes.add(`${endpoint.endpoint.pattern}\n${route.route.id}`);
      }
      for (const [key, labels] of this.requestSeries) {
        if (labels.endpoint === "" || routes.has(`${labels.endpoint}\n${labels.route}`)) continue;
        this.requestDuration.remove(labels);
        this.requestSeries.delete(key);
      }
    }
    for (const [id, labels] of this.upstreamSeries) {
      if (table.backendsById.has(id)) continue;
      this.upstreamDuration.remove(labels);
      this.upstreamSeries.delete(id);
    }
  }
}

interface RequestLabels {
  endpoint: string;
  route: string;
  code: string;
}

/** From 1 ms to 30 s: a proxy's answers span both. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const STATUS_CLASSES = ["none", "1xx", "2xx", "3xx", "4xx", "5xx"];

/** `2xx` for 204; `none` for a connection cut before any status. */
function statusClass(status: number): string {
  return STATUS_CLASSES[(status / 100) | 0] ?? "none";
}
