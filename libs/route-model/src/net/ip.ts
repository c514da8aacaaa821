// IP address text -> bytes, for CIDR matching and per-network client keys: IPv4 dotted quads,
// IPv6 (`::` compression, an embedded IPv4 tail, a `%zone` suffix ignored), IPv4-mapped IPv6 as IPv4.

/** An address as 4 (IPv4) or 16 (IPv6) bytes, network order. */
export type IpBytes = Uint8Array;

/** Strict dotted quad: four decimal parts 0..255 without leading zeros (`010.0.0.1` is ambiguous). */
export function parseIPv4(text: string): IpBytes | undefined {
  const bytes = new Uint8Array(4);
  let part = 0;
  let value = -1;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? 46 : text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (value < 0 || part > 3) return undefined;
      bytes[part++] = value;
      value = -1;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (value === 0 && digits === 1) return undefined;
      value = value < 0 ? c - 48 : value * 10 + (c - 48);
      digits += 1;
      if (value > 255) return undefined;
    } else return undefined;
  }
  return part === 4 ? bytes : undefined;
}

/** RFC 4291 2.2 text forms; a `%zone` suffix is accepted and ignored. */
export function parseIPv6(text: string): IpBytes | undefined {
  const zone = text.indexOf("%");
  const body = zone === -1 ? text : text.slice(0, zone);
  if (zone !== -1 && zone === text.length - 1) return undefined;
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0] as string, halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1] as string, true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const groups = head.length + tail.length;
  if (halves.length === 1 ? groups !== 16 : groups > 14) return undefined;
  const bytes = new Uint8Array(16);
  bytes.set(head, 0);
  bytes.set(tail, 16 - tail.length);
  return bytes;
}

/** `a:b:c` -> bytes; the last group may be a dotted quad when `tailAllowed`. "" is no group. */
function parseGroups(text: string, tailAllowed: boolean): number[] | undefined {
  if (text === "") return [];
  const parts = text.split(":");
  const bytes: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (i === parts.length - 1 && tailAllowed && part.includes(".")) {
      const v4 = parseIPv4(part);
      if (v4 === undefined) return undefined;
      bytes.push(...v4);
      continue;
    }
    if (!/^[0-9A-Fa-f]{1,4}$/.test(part)) return undefined;
    const value = Number.parseInt(part, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  return bytes;
}

/** IPv4 or IPv6 text -> bytes; IPv4-mapped IPv6 (`::ffff:10.0.0.1`) gives the 4 IPv4 bytes. */
export function parseIp(text: string): IpBytes | undefined {
  const bytes = text.includes(":") ? parseIPv6(text) : parseIPv4(text);
  return bytes === undefined ? undefined : unmapIPv4(bytes);
}

/** `::ffff:a.b.c.d` as 16 bytes -> the 4 IPv4 bytes; anything else as it is. */
export function unmapIPv4(bytes: IpBytes): IpBytes {
  if (bytes.length !== 16) return bytes;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return bytes;
  if (bytes[10] !== 0xff || bytes[11] !== 0xff) return bytes;
  return bytes.slice(12);
}

/**
 * The key a per-client limit counts by: an IPv4 address as it is, an IPv6 address by its /64
 * (one host commonly holds a whole /64, so a per-address key would let it take 2^64 buckets).
 * Text that is no address is returned as it is.
 */
export function clientNetworkKey(ip: string): string {
  if (!ip.includes(":")) return ip;
  const bytes = parseIp(ip);
  if (bytes === undefined) return ip;
  if (bytes.length === 4) return bytes.join(".");
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 2)
    groups.push((((bytes[i] as number) << 8) | (bytes[i + 1] as number)).toString(16));
  return `${groups.join(":")}::/64`;
}

/** Bytes -> text: dotted IPv4, or IPv6 with the longest run of zero groups written `::` (RFC 5952). */
export function formatIp(bytes: IpBytes): string {
  if (bytes.length === 4) return bytes.join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(":");
  if (bestStart === -1) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/** An address in one spelling (`::ffff:10.0.0.1` -> `10.0.0.1`, `0:0::1` -> `::1`); non-addresses as they are. */
export function canonicalIp(text: string): string {
  const bytes = parseIp(text);
  return bytes === undefined ? text : formatIp(bytes);
}
