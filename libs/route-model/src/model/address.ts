// Backend addresses: `host:port`, IPv6 hosts in brackets (`[::1]:8080`).
import { ValidationError } from "../errors.js";

const HOSTNAME = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
const IPV6 = /^[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?$/;

/** True for a hostname, IPv4 address or bracketed IPv6 address (no port). */
function isAddressHost(host: string): boolean {
  if (host.startsWith("[")) {
    return host.endsWith("]") && host.includes(":") && IPV6.test(host.slice(1, -1));
  }
  return host.length <= 253 && HOSTNAME.test(host);
}

/**
 * Validates `host:port`: the port is decimal 1..65535, the host a hostname, IPv4 or a bracketed
 * IPv6 address. Throws ValidationError(field, value).
 */
export function parseAddress(x: unknown, field = "address"): string {
  if (typeof x !== "string") throw new ValidationError(field, x, "is not a host:port string");
  const colon = x.lastIndexOf(":");
  const host = x.slice(0, colon);
  const port = x.slice(colon + 1);
  if (colon <= 0 || !isAddressHost(host)) {
    throw new ValidationError(field, x, "is not host:port (IPv6 hosts go in brackets: [::1]:8080)");
  }
  const portNumber = Number(port);
  if (!/^\d{1,5}$/.test(port) || portNumber < 1 || portNumber > 65535) {
    throw new ValidationError(field, x, "has a port outside 1..65535");
  }
  return x;
}

/** `host:port`, bracketing an IPv6 host (`::1`, 80 -> `[::1]:80`). */
export function formatAddress(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}
