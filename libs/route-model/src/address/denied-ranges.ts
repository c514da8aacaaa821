// Backend addresses the watcher refuses: the link-local ranges always (169.254.169.254 is the
// cloud metadata service of most providers; nothing a route should reach), plus the operator's
// own (WATCHER_DENY_BACKEND_CIDRS). A hostname is not resolved: only address literals match.
import { type Cidr, cidrContains, parseCidr } from "./cidr.js";

/** Always refused. */
export const LINK_LOCAL_CIDRS: readonly string[] = ["169.254.0.0/16", "fe80::/10"];

export interface DeniedRanges {
  /** The first range holding the host of `address` (`host:port`, IPv6 bracketed), or undefined. */
  rangeOf(address: string): Cidr | undefined;
  /** Every range, the link-local ones first. */
  readonly ranges: readonly Cidr[];
}

export function createDeniedRanges(extra: readonly Cidr[] = []): DeniedRanges {
  const ranges = [...LINK_LOCAL_CIDRS.map((text) => parseCidr(text)), ...extra];
  return {
    ranges,
    rangeOf(address) {
      const host = hostOf(address);
      return ranges.find((range) => cidrContains(range, host));
    },
  };
}

/** The host of `host:port` without IPv6 brackets. */
function hostOf(address: string): string {
  const colon = address.lastIndexOf(":");
  const host = colon < 0 ? address : address.slice(0, colon);
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}
