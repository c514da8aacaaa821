// Which address a request comes from when trusted proxies stand between the client and the router:
// the right-most address of X-Forwarded-For + the peer that is not a trusted proxy.

import type { CidrSet } from "./cidr.js";
import { canonicalIp, parseIp } from "./ip.js";

/**
 * Walks `X-Forwarded-For, peer` from the right past every trusted proxy and returns the first
 * address that is not one (the right-most untrusted address: entries left of it may be forged).
 * A peer that is not trusted is the client itself. An entry that is not an address ends the walk
 * at the trusted hop right of it, as does reaching the left end (every hop trusted).
 * `peer` is canonical (see canonicalIp); the result is too.
 */
export function clientFromForwardedFor(
  forwardedFor: string | undefined,
  peer: string,
  trusted: CidrSet,
): string {
  if (forwardedFor === undefined || !trusted.contains(peer)) return peer;
  const entries = forwardedFor.split(",");
  let client = peer;
  for (let i = entries.length - 1; i >= 0; i--) {
    const address = forwardedAddress(entries[i] as string);
    if (address === undefined) return client;
    client = address;
    if (!trusted.contains(address)) return client;
  }
  return client;
}

/** One X-Forwarded-For entry as an address: trimmed, `[v6]:port` and `v4:port` forms accepted. */
function forwardedAddress(entry: string): string | undefined {
  let text = entry.trim();
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close === -1) return undefined;
    text = text.slice(1, close);
  } else if (text.indexOf(":") !== -1 && text.indexOf(":") === text.lastIndexOf(":")) {
    text = text.slice(0, text.indexOf(":"));
  }
  return parseIp(text) === undefined ? undefined : canonicalIp(text);
}
