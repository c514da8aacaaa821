// The session secret of one agent registration. Every watcher (leader and standbys) answers
// agent.register and holds the agent, so all must hold the same secret without talking to each
// other: it is derived from what only the registering agent and the watchers see, the token
// secret and the registration's random nonce (HMAC-SHA256). The agent derives it too, so it
// never travels in a reply: every agent shares the agent role's inbox prefix and could read
// another agent's replies. A new registration (new nonce) ends the previous session.
import { createHmac, timingSafeEqual } from "node:crypto";

export function deriveSession(tokenSecret: string, backendId: string, nonce: string): string {
  return createHmac("sha256", tokenSecret)
    .update(`signalbox agent session\n${backendId}\n${nonce}`)
    .digest("base64url");
}

/** Constant-time comparison; false when there is no session to compare with. */
export function sameSession(held: string | undefined, given: string): boolean {
  if (held === undefined) return false;
  const a = Buffer.from(held, "utf8");
  const b = Buffer.from(given, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}
