// The health service's latest verdict per service (`health.<service>`), so `query` can show
// each backend's health status next to its state.
import type { HealthMessage, HealthStatus } from "@signalbox/bus";

export interface HealthBook {
  /** Keeps the newest message per service (by its `at`); an older one arriving late is ignored. */
  add(verdicts: HealthMessage): void;
  /** The backend's last verdict; UNKNOWN when the health service has said nothing about it. */
  statusOf(service: string, backendId: string): HealthStatus;
  /** When each service's verdicts were last published (the health service's `at`, epoch ms). */
  lastReports(): { service: string; at: number }[];
}

export function createHealthBook(): HealthBook {
  const byService = new Map<string, HealthMessage>();
  return {
    add(verdicts) {
      const known = byService.get(verdicts.service);
      if (!known || known.at <= verdicts.at) byService.set(verdicts.service, verdicts);
    },
    statusOf(service, backendId) {
      return byService.get(service)?.backends[backendId] ?? "UNKNOWN";
    },
    lastReports() {
      return [...byService.values()].map(({ service, at }) => ({ service, at }));
    },
  };
}
