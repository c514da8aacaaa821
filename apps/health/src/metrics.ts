// The health service's Prometheus metrics on its own Registry (never the global one, so a
// test can run several health services in one process).
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Read at scrape time. */
export interface HealthGauges {
  probesInFlight: number;
  probesQueued: number;
  targets: number;
  backendsServing: number;
  backendsNotServing: number;
  tableVersion: number | undefined;
}

export interface HealthMetrics {
  readonly registry: Registry;
  /** Sets where the gauges are read from at each scrape. */
  observe(read: () => HealthGauges): void;
  readonly probes: Counter<"kind" | "result">;
  readonly probeSeconds: Histogram<"kind" | "result">;
  readonly verdictChanges: Counter<"status">;
  readonly published: Counter;
}

export function createHealthMetrics(): HealthMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: "health" });
  const registers = [registry];
  let read: (() => HealthGauges) | undefined;
  const gauge = (name: string, help: string, pick: (g: HealthGauges) => number | undefined) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const value = read ? pick(read()) : undefined;
        if (value !== undefined) this.set(value);
      },
    });
  gauge("signalbox_health_probes_in_flight", "Probes holding a concurrency slot", (g) => g.probesInFlight);
  gauge("signalbox_health_probes_queued", "Probes waiting for a concurrency slot", (g) => g.probesQueued);
  gauge("signalbox_health_targets", "Backends being probed", (g) => g.targets);
  gauge("signalbox_health_backends_serving", "Backends whose verdict is SERVING", (g) => g.backendsServing);
  gauge(
    "signalbox_health_backends_not_serving",
    "Backends whose verdict is NOT_SERVING",
    (g) => g.backendsNotServing,
  );
  gauge("signalbox_health_table_version", "Version of the route table being probed", (g) => g.tableVersion);
  return {
    registry,
    observe(next) {
      read = next;
    },
    probes: new Counter({
      name: "signalbox_health_probes_total",
      help: "Probe results by kind (http, tcp, grpc) and result (pass, fail)",
      labelNames: ["kind", "result"],
      registers,
    }),
    probeSeconds: new Histogram({
      name: "signalbox_health_probe_duration_seconds",
      help: "Time from a probe's start to its result, by kind and result (pass, fail)",
      labelNames: ["kind", "result"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    verdictChanges: new Counter({
      name: "signalbox_health_verdict_changes_total",
      help: "Backend probe status changes by the new status",
      labelNames: ["status"],
      registers,
    }),
    published: new Counter({
      name: "signalbox_health_published_total",
      help: "health.<service> messages published",
      registers,
    }),
  };
}
