// What the agent provider needs from the token store (control API issue): check a
// secret at registration, and re-check the token at every heartbeat so a revoked
// or expired token is rejected then.

export type TokenVerdict =
  | { ok: true; tokenId: string }
  | { ok: false; reason: "unknown" | "revoked" | "expired" | "wrong-service"; message: string };

export interface TokenVerifier {
  /** `secret` as the agent sent it; `service` the agent's AGENT_SERVICE; `now` epoch ms. */
  verify(secret: string, service: string, now: number): Promise<TokenVerdict>;
  /** Re-check a token already accepted (revoked or expired since?). */
  check(tokenId: string, service: string, now: number): Promise<TokenVerdict>;
}
