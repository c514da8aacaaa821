// PROXY protocol v1 (text) and v2 (binary) headers, as HAProxy's proxy-protocol.txt defines them:
// what an L4 proxy in front of a listener says about the client's real address.

import { formatIp, parseIPv4, parseIPv6 } from "../net/ip.js";

/** A header that does not follow the spec; the listener closes the connection. */
export class ProxyProtocolError extends Error {
  override readonly name = "ProxyProtocolError";
  readonly code = "SB_PROXY_PROTOCOL";
}

export type ProxyHeader =
  /** More bytes are needed to decide. */
  | { kind: "incomplete" }
  /**
   * A whole header of `length` bytes. `source` is the client as the proxy saw it; undefined for
   * v1 UNKNOWN, v2 LOCAL and address families without an IP (health checks of the proxy itself).
   */
  | { kind: "header"; length: number; source: { address: string; port: number } | undefined };

/** The 12-byte v2 signature. */
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_PREFIX = Buffer.from("PROXY ", "latin1");
/** A v1 line is at most 107 bytes, CRLF included. */
const V1_MAX = 107;
/** Longest v2 address block (addresses + TLVs) accepted: far above what proxies send, bounded memory. */
export const V2_MAX_BLOCK = 4096;

/** Reads the header at the start of `data` (the first bytes of a connection). Throws ProxyProtocolError. */
export function parseProxyHeader(data: Uint8Array): ProxyHeader {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (startsLike(buf, V2_SIGNATURE)) {
    return buf.length < V2_SIGNATURE.length ? { kind: "incomplete" } : parseV2(buf);
  }
  if (startsLike(buf, V1_PREFIX))
    return buf.length < V1_PREFIX.length ? { kind: "incomplete" } : parseV1(buf);
  throw new ProxyProtocolError("the connection does not start with a PROXY protocol header");
}

/** True when `buf` and `prefix` agree on their common length. */
function startsLike(buf: Buffer, prefix: Buffer): boolean {
  const n = Math.min(buf.length, prefix.length);
  return buf.subarray(0, n).equals(prefix.subarray(0, n));
}

function parseV1(buf: Buffer): ProxyHeader {
  const lf = buf.indexOf(0x0a);
  if (lf === -1) {
    if (buf.length >= V1_MAX) throw new ProxyProtocolError("PROXY v1 line longer than 107 bytes");
    return { kind: "incomplete" };
  }
  if (lf + 1 > V1_MAX || buf[lf - 1] !== 0x0d) {
    throw new ProxyProtocolError("PROXY v1 line does not end with CRLF within 107 bytes");
  }
  const line = buf.toString("latin1", 0, lf - 1);
  const parts = line.split(" ");
  const length = lf + 1;
  if (parts[1] === "UNKNOWN") return { kind: "header", length, source: undefined };
  if (parts.length !== 6) throw new ProxyProtocolError(`PROXY v1 line has ${parts.length} fields, not 6`);
  const [, family, source, destination, sourcePort, destinationPort] = parts as [string, ...string[]];
  const parse = family === "TCP4" ? parseIPv4 : family === "TCP6" ? parseIPv6 : undefined;
  if (parse === undefined)
    throw new ProxyProtocolError(`PROXY v1 family ${family} is not TCP4, TCP6 or UNKNOWN`);
  if (parse(source as string) === undefined || parse(destination as string) === undefined) {
    throw new ProxyProtocolError(`PROXY v1 addresses are not ${family} addresses`);
  }
  if ((source as string).includes("%") || (destination as string).includes("%")) {
    throw new ProxyProtocolError("PROXY v1 addresses carry a zone");
  }
  const port = readPort(sourcePort as string);
  readPort(destinationPort as string);
  return { kind: "header", length, source: { address: source as string, port } };
}

/** A v1 port: 0..65535 in decimal without leading zeros. */
function readPort(text: string): number {
  if (!/^(0|[1-9]\d{0,4})$/.test(text) || Number(text) > 65535) {
    throw new ProxyProtocolError(`PROXY v1 port ${JSON.stringify(text.slice(0, 8))} is not 0..65535`);
  }
  return Number(text);
}

function parseV2(buf: Buffer): ProxyHeader {
  if (buf.length < 16) return { kind: "incomplete" };
  const versionCommand = buf[12] as number;
  if (versionCommand >> 4 !== 2) throw new ProxyProtocolError("PROXY v2 header with a version other than 2");
  const command = versionCommand & 0x0f;
  if (command > 1) throw new ProxyProtocolError(`PROXY v2 command ${command} is neither LOCAL nor PROXY`);
  const familyProtocol = buf[13] as number;
  const blockLength = buf.readUInt16BE(14);
  if (blockLength > V2_MAX_BLOCK) {
    throw new ProxyProtocolError(`PROXY v2 address block of ${blockLength} bytes (at most ${V2_MAX_BLOCK})`);
  }
  const length = 16 + blockLength;
  if (buf.length < length) return { kind: "incomplete" };
  // LOCAL: the proxy speaks for itself (a health check); the socket's own peer is the client.
  if (command === 0) return { kind: "header", length, source: undefined };
  const family = familyProtocol >> 4;
  const protocol = familyProtocol & 0x0f;
  if (protocol > 2) throw new ProxyProtocolError(`PROXY v2 transport ${protocol} is unknown`);
  if (family === 1) {
    if (blockLength < 12) throw new ProxyProtocolError("PROXY v2 IPv4 block shorter than 12 bytes");
    const address = Array.from(buf.subarray(16, 20)).join(".");
    return { kind: "header", length, source: { address, port: buf.readUInt16BE(24) } };
  }
  if (family === 2) {
    if (blockLength < 36) throw new ProxyProtocolError("PROXY v2 IPv6 block shorter than 36 bytes");
    const address = formatIp(new Uint8Array(buf.subarray(16, 32)));
    return { kind: "header", length, source: { address, port: buf.readUInt16BE(48) } };
  }
  if (family === 0 || family === 3) return { kind: "header", length, source: undefined };
  throw new ProxyProtocolError(`PROXY v2 address family ${family} is unknown`);
}
