// The statuses the grpc.health.v1 server answers with, and the watchers waiting for changes.
import type { ServingStatus } from "../status/backend-verdict.js";

export interface HealthStore {
  /** Undefined for a service never set (Check answers NOT_FOUND, Watch SERVICE_UNKNOWN). */
  get(service: string): ServingStatus | undefined;
  /** Records a status; watchers hear it only when it differs from the one before. */
  set(service: string, status: ServingStatus): void;
  /** Every service set so far, with its status. */
  entries(): [string, ServingStatus][];
  readonly size: number;
  /** Calls `listener` on each change of `service`; returns the unsubscribe function. */
  subscribe(service: string, listener: (status: ServingStatus) => void): () => void;
}

/** A service, once set, stays known: the protocol's NOT_FOUND is for services never seen. */
export function createHealthStore(): HealthStore {
  const statuses = new Map<string, ServingStatus>();
  const listeners = new Map<string, Set<(status: ServingStatus) => void>>();
  return {
    get: (service) => statuses.get(service),
    set(service, status) {
      if (statuses.get(service) === status) return;
      statuses.set(service, status);
      for (const listener of [...(listeners.get(service) ?? [])]) listener(status);
    },
    entries: () => [...statuses],
    get size() {
      return statuses.size;
    },
    subscribe(service, listener) {
      const set = listeners.get(service) ?? new Set();
      listeners.set(service, set);
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(service) === set) listeners.delete(service);
      };
    },
  };
}
