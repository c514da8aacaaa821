// The Host a request names (RFC 9110 7.2 / RFC 3986 3.2.2): a reg-name, an IPv4 address or a
// bracketed IPv6 address, then an optional decimal port. Anything else is refused before matching,
// so `a.test:@evil.test` or `evil.test/.wild.test` never reaches a pattern, a redirect or a backend.

import { RequestError } from "../errors.js";
import { parseIPv6 } from "../net/ip.js";

export interface RequestHost {
  /** As endpoint patterns compare it: lowercased, no port, no trailing dot; IPv6 in brackets. */
  name: string;
  /** The validated authority as the client wrote it (the Host sent to the backend). */
  authority: string;
}

/**
 * RFC 3986 reg-name characters: unreserved and sub-delims. Percent-encoded octets, which RFC 3986
 * also allows, are refused: no DNS name needs them, and a backend that decodes them would see
 * another host than the one the request was matched by.
 */
const REG_NAME = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=") {
  REG_NAME[c.charCodeAt(0)] = 1;
}

/** Validates one Host value (or an absolute-form authority); throws RequestError("bad-host"). */
export function parseRequestHost(authority: string): RequestHost {
  if (authority.length === 0) throw new RequestError("bad-host", authority, "empty Host");
  let hostEnd: number;
  let name: string;
  if (authority.charCodeAt(0) === 91 /* [ */) {
    hostEnd = authority.indexOf("]");
    const inside = hostEnd === -1 ? "" : authority.slice(1, hostEnd);
    // Zone ids (RFC 6874) and IPvFuture name nothing a router should route by.
    if (hostEnd === -1 || inside.includes("%") || parseIPv6(inside) === undefined) {
      throw new RequestError("bad-host", authority, "Host is not a bracketed IPv6 address");
    }
    hostEnd += 1;
    name = authority.slice(0, hostEnd).toLowerCase();
  } else {
    hostEnd = authority.length;
    let lower = false;
    for (let i = 0; i < authority.length; i++) {
      const c = authority.charCodeAt(i);
      if (c === 58 /* : */) {
        hostEnd = i;
        break;
      }
      if (c >= 128 || REG_NAME[c] !== 1) {
        throw new RequestError("bad-host", authority, "Host has a character a host name cannot hold");
      }
      if (c >= 65 && c <= 90) lower = true;
    }
    if (hostEnd === 0) throw new RequestError("bad-host", authority, "Host has no name before the port");
    name = authority.slice(0, hostEnd);
    if (lower) name = name.toLowerCase();
    if (name.endsWith(".")) name = name.slice(0, -1);
    if (name === "" || name.endsWith(".")) {
      throw new RequestError("bad-host", authority, "Host has an empty label");
    }
  }
  if (hostEnd < authority.length) checkPort(authority, hostEnd);
  return { name, authority };
}

/** `:` then 1..5 digits up to 65535 (an empty port after `:` is allowed by RFC 3986). */
function checkPort(authority: string, colon: number): void {
  if (authority.charCodeAt(colon) !== 58) {
    throw new RequestError("bad-host", authority, "Host has text after the IPv6 address");
  }
  const port = authority.slice(colon + 1);
  if (port.length > 5 || !/^\d*$/.test(port) || Number(port) > 65535) {
    throw new RequestError("bad-host", authority, "Host has a port that is not a number in 0..65535");
  }
}
