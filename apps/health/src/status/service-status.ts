// Per-service health: folds backend verdicts into `{ service, status, backends }` and says
// which services changed, so the publisher and the gRPC store only hear about changes.
import type { BackendState } from "@signalbox/route-model";
import { decideVerdict, type ServingStatus } from "./backend-verdict.js";

/** What the book needs to know about a backend of the route table. */
export interface BackendEntry {
  id: string;
  service: string;
  state: BackendState;
  /** Backend of a `healthRequire` endpoint: out of rotation until its first passing probe. */
  heldOut: boolean;
}

export interface ServiceHealth {
  service: string;
  status: ServingStatus;
  /** Only backends with a verdict; a backend missing here is in rotation on its gate alone. */
  backends: Record<string, ServingStatus>;
}

/** `changed`: publish their new health; `removed`: the service left the route table. */
export interface BookChanges {
  changed: string[];
  removed: string[];
}

export interface ServiceStatusBook {
  /** Replaces the backends with the route table's; keeps probe statuses of backends that stay. */
  setBackends(entries: readonly BackendEntry[]): BookChanges;
  /** Records the active probe's status for one backend (ignored for a backend not in the table). */
  setProbeStatus(id: string, status: ServingStatus | undefined): BookChanges;
  /** Undefined until one of the service's backends has a verdict. */
  get(service: string): ServiceHealth | undefined;
  /** Every service `get` answers for. */
  services(): string[];
}

/**
 * SERVING while any backend serves: one with a SERVING verdict, or one without a verdict yet
 * that its gate keeps in rotation (state `up`, not held out). NOT_SERVING when none does.
 */
export function serviceStatus(
  entries: readonly BackendEntry[],
  verdicts: Readonly<Record<string, ServingStatus>>,
): ServingStatus {
  const serves = entries.some((entry) => {
    const verdict = verdicts[entry.id];
    return verdict === undefined ? entry.state === "up" && !entry.heldOut : verdict === "SERVING";
  });
  return serves ? "SERVING" : "NOT_SERVING";
}

/** A service is published from its first backend verdict until it leaves the route table. */
export function createServiceStatusBook(): ServiceStatusBook {
  const entries = new Map<string, BackendEntry>();
  const probeStatuses = new Map<string, ServingStatus>();
  const idsByService = new Map<string, Set<string>>();
  const published = new Map<string, ServiceHealth>();

  function compute(service: string): ServiceHealth | undefined {
    const ids = idsByService.get(service);
    if (!ids) return undefined;
    const members: BackendEntry[] = [];
    const backends: Record<string, ServingStatus> = {};
    for (const id of ids) {
      const entry = entries.get(id);
      if (!entry) continue;
      members.push(entry);
      const verdict = decideVerdict(entry.state, probeStatuses.get(id));
      if (verdict !== undefined) backends[id] = verdict;
    }
    if (!published.has(service) && Object.keys(backends).length === 0) return undefined;
    return { service, status: serviceStatus(members, backends), backends };
  }

  function refresh(services: Iterable<string>): BookChanges {
    const changes: BookChanges = { changed: [], removed: [] };
    for (const service of services) {
      const next = compute(service);
      const previous = published.get(service);
      if (!next) {
        if (previous && !idsByService.has(service)) {
          published.delete(service);
          changes.removed.push(service);
        }
        continue;
      }
      if (previous && sameHealth(previous, next)) continue;
      published.set(service, next);
      changes.changed.push(service);
    }
    return changes;
  }

  return {
    setBackends(next) {
      const touched = new Set<string>(idsByService.keys());
      entries.clear();
      idsByService.clear();
      for (const entry of next) {
        entries.set(entry.id, entry);
        const ids = idsByService.get(entry.service) ?? new Set();
        idsByService.set(entry.service, ids);
        ids.add(entry.id);
        touched.add(entry.service);
      }
      for (const id of probeStatuses.keys()) if (!entries.has(id)) probeStatuses.delete(id);
      return refresh(touched);
    },
    setProbeStatus(id, status) {
      const entry = entries.get(id);
      if (!entry) return { changed: [], removed: [] };
      if (status === undefined) probeStatuses.delete(id);
      else probeStatuses.set(id, status);
      return refresh([entry.service]);
    },
    get: (service) => published.get(service),
    services: () => [...published.keys()],
  };
}

function sameHealth(a: ServiceHealth, b: ServiceHealth): boolean {
  if (a.status !== b.status) return false;
  const aIds = Object.keys(a.backends);
  if (aIds.length !== Object.keys(b.backends).length) return false;
  return aIds.every((id) => a.backends[id] === b.backends[id]);
}
