// Which upgrades the router passes through: only a WebSocket handshake (RFC 6455 4.1: GET, no
// body, `Upgrade: websocket`). Anything else (h2c, TLS, made-up tokens) would turn the router
// into a blind tunnel past routing and filters, so it is refused with 400.

/** True when the raw request head asks for a WebSocket and nothing else. */
export function isWebSocketUpgrade(method: string | undefined, rawHeaders: readonly string[]): boolean {
  if (method !== "GET") return false;
  let upgrade: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    if (name === "upgrade") {
      // Two Upgrade headers are a list: more than the one protocol allowed.
      if (upgrade !== undefined) return false;
      upgrade = rawHeaders[i + 1] as string;
    } else if (name === "content-length") {
      if ((rawHeaders[i + 1] as string).trim() !== "0") return false;
    } else if (name === "transfer-encoding") return false;
  }
  return upgrade !== undefined && upgrade.trim().toLowerCase() === "websocket";
}
