// Backends whose address lies in a denied range (link-local always, WATCHER_DENY_BACKEND_CIDRS
// besides) are left out of the table with a warning naming the backend and its source: a
// Marathon task, an agent or a routes file must not point routers at the metadata service or
// at networks the operator keeps apart.
import type { Backend, DeniedRanges } from "@signalbox/route-model";

/** The merger's refuseBackend for these ranges. */
export function refuseDeniedAddresses(ranges: DeniedRanges): (backend: Backend) => string | undefined {
  return (backend) => {
    const range = ranges.rangeOf(backend.address);
    return (
      range &&
      `backend ${backend.id} (service ${backend.service}, from ${backend.source}): address ${backend.address} is in the denied range ${range}; left out`
    );
  };
}
