// CIDR lists (`10.0.0.0/8, 192.168.1.7, ::1/128, fd00::/8`) and the membership test the router runs
// on every request's peer address: IPv4 and IPv6, IPv4-mapped IPv6 on either side matched as IPv4.

import { ValidationError } from "../errors.js";
import { type IpBytes, parseIPv4, parseIPv6, parseIp, unmapIPv4 } from "./ip.js";

interface Range {
  bytes: IpBytes;
  prefix: number;
  /** `address/prefix` as written (a bare address gets its full-length prefix). */
  text: string;
}

/** A parsed CIDR list; `contains` takes an address as sockets and X-Forwarded-For write it. */
export class CidrSet {
  private constructor(private readonly ranges: readonly Range[]) {}

  static readonly EMPTY = new CidrSet([]);

  /**
   * Parses a comma-separated list of `address/prefix` or bare addresses (a full-length prefix).
   * Throws ValidationError(field, entry) on the first bad entry; "" is the empty set.
   */
  static parse(list: string, field = "cidr"): CidrSet {
    const ranges: Range[] = [];
    for (const raw of list.split(",")) {
      const entry = raw.trim();
      if (entry === "") continue;
      ranges.push(parseRange(entry, field));
    }
    return ranges.length === 0 ? CidrSet.EMPTY : new CidrSet(ranges);
  }

  /** This set's ranges followed by `other`'s. */
  union(other: CidrSet): CidrSet {
    if (other.empty) return this;
    return this.empty ? other : new CidrSet([...this.ranges, ...other.ranges]);
  }

  get empty(): boolean {
    return this.ranges.length === 0;
  }

  /** Each range as `address/prefix`, in list order. */
  get entries(): readonly string[] {
    return this.ranges.map((range) => range.text);
  }

  /** True when `ip` (IPv4, IPv6, IPv4-mapped IPv6) lies in one of the ranges; false for non-addresses. */
  contains(ip: string): boolean {
    return this.ranges.length > 0 && this.find(ip) !== undefined;
  }

  /** The first range (`address/prefix`) holding `ip`; undefined for none and for non-addresses. */
  find(ip: string): string | undefined {
    const bytes = parseIp(ip);
    if (bytes === undefined) return undefined;
    for (const range of this.ranges) {
      if (range.bytes.length === bytes.length && inPrefix(bytes, range.bytes, range.prefix))
        return range.text;
    }
    return undefined;
  }
}

function parseRange(entry: string, field: string): Range {
  const slash = entry.indexOf("/");
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const v6 = address.includes(":");
  const bytes = v6 ? parseIPv6(address) : parseIPv4(address);
  if (bytes === undefined || (v6 && address.includes("%"))) {
    throw new ValidationError(field, entry, "is not an IPv4 or IPv6 address or CIDR range");
  }
  const bits = bytes.length * 8;
  let prefix = bits;
  if (slash !== -1) {
    const text = entry.slice(slash + 1);
    prefix = Number(text);
    if (!/^\d{1,3}$/.test(text) || prefix > bits) {
      throw new ValidationError(field, entry, `has a prefix length outside 0..${bits}`);
    }
  }
  const text = `${address}/${prefix}`;
  const unmapped = unmapIPv4(bytes);
  // `::ffff:10.0.0.0/104` is the IPv4 range 10.0.0.0/8; a shorter prefix also covers non-mapped space.
  if (unmapped.length === 4 && prefix >= 96) return { bytes: unmapped, prefix: prefix - 96, text };
  return { bytes, prefix, text };
}

function inPrefix(address: IpBytes, network: IpBytes, prefix: number): boolean {
  const whole = prefix >> 3;
  for (let i = 0; i < whole; i++) if (address[i] !== network[i]) return false;
  const rest = prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((address[whole] as number) & mask) === ((network[whole] as number) & mask);
}
