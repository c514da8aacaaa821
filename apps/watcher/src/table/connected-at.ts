// Keeps a backend's `connectedAt` as the published table first had it. Sources stamp it
// when *they* first saw the backend, so a standby that takes over (or a restarted
// watcher) would otherwise rewrite every file and agent backend, and routers would put
// them all back into slow start.
import type { Backend, RouteTable, TableDiff } from "@signalbox/route-model";
import { findSorted } from "./sorted-entries.js";

export interface ConnectedAtKeeper {
  /**
   * The backend with `connectedAt` from the table when the id and address are the same: a
   * copy, the same one while the source keeps the same object (cheap table diffs).
   */
  adjust(backend: Backend): Backend;
  /**
   * Remembers the published (or resumed) table's values; ids not in it are forgotten. With
   * `diff` (from the table recorded before; `table.backends` sorted by id, as the builder
   * makes them), only the changed and removed ids are touched.
   */
  record(table: RouteTable, diff?: TableDiff): void;
}

export function createConnectedAtKeeper(): ConnectedAtKeeper {
  let known = new Map<string, { address: string; connectedAt: number }>();
  const copies = new WeakMap<Backend, Backend>();
  return {
    adjust(backend) {
      const seen = known.get(backend.id);
      if (!seen || seen.address !== backend.address || seen.connectedAt === backend.connectedAt)
        return backend;
      const copy = copies.get(backend);
      if (copy?.connectedAt === seen.connectedAt) return copy;
      const adjusted = { ...backend, connectedAt: seen.connectedAt };
      copies.set(backend, adjusted);
      return adjusted;
    },
    record(table, diff) {
      if (!diff) {
        known = new Map(
          table.backends.map((b) => [b.id, { address: b.address, connectedAt: b.connectedAt }]),
        );
        return;
      }
      for (const id of diff.removedBackends) known.delete(id);
      for (const id of diff.changedBackends) {
        const b = findSorted(table.backends, id, (backend) => backend.id);
        if (b) known.set(b.id, { address: b.address, connectedAt: b.connectedAt });
      }
    },
  };
}
