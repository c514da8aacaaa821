// Backend addresses the watcher refuses: the link-local ranges always (169.254.169.254 is the
// cloud metadata service of most providers; nothing a route should reach), plus the operator's
// own (WATCHER_DENY_BACKEND_CIDRS). A hostname is not resolved: only address literals match.
import { CidrSet } from "./cidr.js";

/** Always refused. */
export const LINK_LOCAL_CIDRS = "169.254.0.0/16, fe80::/10";

export interface DeniedRanges {
  /** The first range (`address/prefix`) holding the host of `address` (`host:port`), or undefined. */
  rangeOf(address: string): string | undefined;
  /** Every range, the link-local ones first. */
  readonly ranges: CidrSet;
}

export function createDeniedRanges(extra: CidrSet = CidrSet.EMPTY): DeniedRanges {
  const ranges = CidrSet.parse(LINK_LOCAL_CIDRS).union(extra);
  return {
    ranges,
    rangeOf: (address) => ranges.find(hostOf(address)),
  };
}

/** The host of `host:port` without IPv6 brackets. */
function hostOf(address: string): string {
  const colon = address.lastIndexOf(":");
  const host = colon < 0 ? address : address.slice(0, colon);
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}
