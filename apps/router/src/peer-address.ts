// The address a client connection comes from, as the request path acts on it: the socket's
// peer, or the source a trusted proxy named in a PROXY protocol header (set by proxy-protocol.ts).

import type { Socket } from "node:net";

const proxied = new WeakMap<Socket, string>();

/** Records the client address a PROXY header gave for `socket` (canonical form). */
export function setProxiedPeer(socket: Socket, address: string): void {
  proxied.set(socket, address);
}

/** The peer of `socket`: its PROXY source, else its remote address (`::ffff:10.0.0.1` as `10.0.0.1`); "" when gone. */
export function peerAddressOf(socket: Socket): string {
  const fromProxy = proxied.get(socket);
  if (fromProxy !== undefined) return fromProxy;
  const remote = socket.remoteAddress;
  if (remote === undefined) return "";
  return remote.startsWith("::ffff:") && remote.includes(".") ? remote.slice(7) : remote;
}
