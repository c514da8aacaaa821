// Keeps a backend's `connectedAt` as the published table first had it. Sources stamp it
// when *they* first saw the backend, so a standby that takes over (or a restarted
// watcher) would otherwise rewrite every file and agent backend, and routers would put
// them all back into slow start.
import type { Backend, RouteTable, TableDiff } from "@signalbox/route-model";

export interface ConnectedAtKeeper {
  /** The backends with `connectedAt` from the table when the id and address are the same. */
  apply(backends: readonly Backend[]): Backend[];
  /**
   * Remembers the published (or resumed) table's values; ids not in it are forgotten. With
   * `diff` (from the table recorded before), only the changed and removed ids are touched.
   */
  record(table: RouteTable, diff?: TableDiff): void;
}

export function createConnectedAtKeeper(): ConnectedAtKeeper {
  let known = new Map<string, { address: string; connectedAt: number }>();
  /** Adjusted copies, reused while the source keeps the same object (cheap table diffs). */
  const copies = new WeakMap<Backend, Backend>();
  return {
    apply(backends) {
      return backends.map((backend) => {
        const seen = known.get(backend.id);
        if (!seen || seen.address !== backend.address || seen.connectedAt === backend.connectedAt)
          return backend;
        const copy = copies.get(backend);
        if (copy?.connectedAt === seen.connectedAt) return copy;
        const adjusted = { ...backend, connectedAt: seen.connectedAt };
        copies.set(backend, adjusted);
        return adjusted;
      });
    },
    record(table, diff) {
      if (!diff) {
        known = new Map(
          table.backends.map((b) => [b.id, { address: b.address, connectedAt: b.connectedAt }]),
        );
        return;
      }
      for (const id of diff.removedBackends) known.delete(id);
      if (diff.changedBackends.length === 0) return;
      const changed = new Set(diff.changedBackends);
      for (const b of table.backends) {
        if (changed.has(b.id)) known.set(b.id, { address: b.address, connectedAt: b.connectedAt });
      }
    },
  };
}
