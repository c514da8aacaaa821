// The health service's core flow: route table -> probe plan -> probe loop; probe statuses and
// agent states -> the service status book -> the gRPC store and `health.<service>`.
import type { RouteTable } from "@signalbox/route-model";
import type { Logger } from "pino";
import type { HealthStore } from "./grpc/health-store.js";
import type { HealthMetrics } from "./metrics.js";
import { createProbeLoop, type ProbeLoopOptions } from "./probes/probe-loop.js";
import { planProbes } from "./probes/probe-target.js";
import type { HealthPublisher } from "./publish/health-publisher.js";
import { type BookChanges, createServiceStatusBook, type ServiceHealth } from "./status/service-status.js";

export type MonitorOptions = Omit<ProbeLoopOptions, "onStatus" | "onResult"> & {
  store: HealthStore;
  publisher: Pick<HealthPublisher, "publish" | "publishRemoved">;
  metrics: HealthMetrics;
  logger: Logger;
};

export interface HealthMonitor {
  /** Probes the table's backends from now on; a table's agent states apply at once. */
  applyTable(table: RouteTable): void;
  /** Every published service as it stands (for the periodic republish). */
  current(): ServiceHealth[];
  /** Backends with a SERVING / NOT_SERVING verdict, and targets being probed. */
  counts(): { serving: number; notServing: number; targets: number };
  /** Stops every probe; the book keeps its last verdicts. */
  stop(): void;
}

/** Each change of a service's health goes to the gRPC store and is published, once. */
export function createHealthMonitor(options: MonitorOptions): HealthMonitor {
  const { store, publisher, metrics, logger } = options;
  const book = createServiceStatusBook();
  let lastWarnings = new Set<string>();

  const apply = (changes: BookChanges) => {
    for (const service of changes.changed) {
      const health = book.get(service);
      if (!health) continue;
      store.set(service, health.status);
      publisher.publish(health);
    }
    for (const service of changes.removed) {
      store.set(service, "NOT_SERVING");
      publisher.publishRemoved(service);
    }
  };

  const loop = createProbeLoop({
    ...options,
    onStatus(target, status, reason) {
      if (status) metrics.verdictChanges.inc({ status });
      const fields = { backend: target.id, service: target.service, address: target.address, status, reason };
      logger.info(fields, "probe status");
      apply(book.setProbeStatus(target.id, status));
    },
    onResult(target, result, durationMs) {
      const labels = { kind: target.kind, result: result.ok ? "pass" : "fail" };
      metrics.probes.inc(labels);
      metrics.probeSeconds.observe(labels, durationMs / 1000);
    },
  });

  return {
    applyTable(table) {
      const plan = planProbes(table);
      // A bad label is logged once, not at every table version.
      const warnings = new Set(plan.warnings);
      for (const warning of warnings) {
        if (!lastWarnings.has(warning)) logger.warn({ version: table.version }, warning);
      }
      lastWarnings = warnings;
      const changes = book.setBackends(plan.entries);
      loop.setTargets(plan.targets);
      apply(changes);
      const fields = { version: table.version, backends: plan.entries.length, probed: plan.targets.length };
      logger.info(fields, "route table applied");
    },
    current: () => book.services().flatMap((service) => book.get(service) ?? []),
    counts() {
      let serving = 0;
      let notServing = 0;
      for (const health of this.current()) {
        for (const status of Object.values(health.backends)) {
          if (status === "SERVING") serving += 1;
          else notServing += 1;
        }
      }
      return { serving, notServing, targets: loop.size };
    },
    stop: () => loop.stop(),
  };
}
