// IP ranges in CIDR notation (`169.254.0.0/16`, `fe80::/10`), matched with node:net's BlockList
// (which also matches IPv4-mapped IPv6 addresses, `::ffff:169.254.1.1`, against IPv4 ranges).
import { BlockList, isIP } from "node:net";
import { ValidationError } from "../errors.js";

export interface Cidr {
  /** As written, normalised to `address/prefix`. */
  readonly text: string;
  readonly family: "ipv4" | "ipv6";
  readonly prefix: number;
  /** The one-range BlockList cidrContains asks. */
  readonly list: BlockList;
}

/** `address/prefix`, or a bare address (a /32 or /128). Throws ValidationError naming `field`. */
export function parseCidr(text: string, field = "cidr"): Cidr {
  const slash = text.indexOf("/");
  const address = slash < 0 ? text : text.slice(0, slash);
  const version = isIP(address);
  if (version === 0) throw new ValidationError(field, text, "is not an IP address or address/prefix");
  const family = version === 4 ? "ipv4" : "ipv6";
  const max = version === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(max) : text.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > max) {
    throw new ValidationError(field, text, `has a prefix length outside 0..${max}`);
  }
  const list = new BlockList();
  list.addSubnet(address, prefix, family);
  return { text: `${address}/${prefix}`, family, prefix, list };
}

/**
 * Whether `ip` (an address literal; an IPv6 zone `%eth0` is ignored) lies in `cidr`. False for
 * anything that is not an IP address, such as a hostname: names are not resolved here.
 */
export function cidrContains(cidr: Cidr, ip: string): boolean {
  const address = ip.replace(/%.*$/, "");
  const version = isIP(address);
  if (version === 0) return false;
  return cidr.list.check(address, version === 4 ? "ipv4" : "ipv6");
}
