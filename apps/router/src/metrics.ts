// The router's Prometheus metrics on its own Registry. The request path only bumps plain numbers;
// prom-client reads them (and BackendStats, the table, the connections) when /metrics is scraped.

import type { SkippedKeys } from "@signalbox/bus";
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { BackendState, BackendStats } from "./backend-stats.js";
import type { Connections } from "./connections.js";
import type { ErrorReason } from "./respond-error.js";
import type { TableStore } from "./table/table-store.js";

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
}
