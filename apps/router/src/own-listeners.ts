// Whether a backend address is one of this router's own listeners: a table naming the router
// itself (by a Marathon task on the router's host, an agent, a routes file) would make every
// request loop back through it until the connections run out. Only address literals and
// `localhost` are compared; other hostnames are not resolved.
import { type NetworkInterfaceInfo, networkInterfaces } from "node:os";
import { parseHostPort } from "@signalbox/service";

export interface Listener {
  host: string;
  port: number;
}

const WILDCARDS = new Set(["0.0.0.0", "::", ""]);

/** Lowercase, without brackets, an IPv4-mapped IPv6 address as IPv4, and `localhost` as 127.0.0.1. */
function canonicalHost(host: string): string {
  const bare = host
    .replace(/^\[|\]$/g, "")
    .replace(/%.*$/, "")
    .toLowerCase();
  if (bare === "localhost" || bare === "::1") return "127.0.0.1";
  return bare.startsWith("::ffff:") && bare.includes(".") ? bare.slice("::ffff:".length) : bare;
}

const isLoopback = (host: string) => host.startsWith("127.");

/**
 * A check of backend addresses (`host:port`) against `listeners()` (read at each call: the
 * ports are known once they are bound). A listener on a wildcard host (0.0.0.0, ::) answers
 * on every local address: loopback, the wildcard itself and every interface's address.
 */
export function createOwnListenerCheck(
  listeners: () => readonly Listener[],
  interfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces,
): (address: string) => boolean {
  let local: Set<string> | undefined;
  const localHosts = () => {
    local ??= new Set(
      Object.values(interfaces())
        .flatMap((infos) => infos ?? [])
        .map((info) => canonicalHost(info.address)),
    );
    return local;
  };
  return (address) => {
    const parsed = parseHostPort(address);
    if (parsed === undefined) return false;
    const host = canonicalHost(parsed.host);
    return listeners().some((listener) => {
      if (listener.port !== parsed.port) return false;
      const own = canonicalHost(listener.host);
      // Connecting to 0.0.0.0 or :: reaches the local host, so whatever listens on the port.
      if (own === host || WILDCARDS.has(host)) return true;
      return WILDCARDS.has(own) && (isLoopback(host) || localHosts().has(host));
    });
  };
}
