// Agent tokens in signalbox-config (`token.<id>`): create (the secret leaves once), list,
// revoke, and the TokenVerifier the agent provider checks registrations and heartbeats with.
import { createHash, randomBytes as cryptoRandomBytes, timingSafeEqual } from "node:crypto";
import { configKeys, createCodec, TOKEN_ID, type TokenRecord, tokenRecordSchema } from "@signalbox/bus";
import type { Logger } from "pino";
import type { KV } from "../bus-types.js";
import type { TokenVerdict, TokenVerifier } from "./token-verifier.js";

const SECRET_BYTES = 32;
const ID_BYTES = 6;

export interface CreatedToken {
  record: TokenRecord;
  /** `<id>.<base64url of 32 random bytes>`: returned once, never stored. */
  secret: string;
}

export type RevokeResult = { ok: true; record: TokenRecord } | { ok: false; reason: "unknown" };

export interface TokenStore extends TokenVerifier {
  /** Stores `sha256(secret)` only; `ttlMs` undefined means the token never expires. */
  create(opts: { service?: string; ttlMs?: number; now: number }): Promise<CreatedToken>;
  /** Every token, oldest first. */
  list(): Promise<TokenRecord[]>;
  /** Marks the token revoked (kept, so `list` still shows it); revoking twice keeps the first time. */
  revoke(id: string, now: number): Promise<RevokeResult>;
}

export interface TokenStoreDeps {
  configKv: KV;
  logger?: Logger;
  /** Injectable for tests; defaults to node:crypto randomBytes. */
  randomBytes?: (size: number) => Uint8Array;
}

/**
 * The token store keeps no state of its own: every call reads signalbox-config, so a
 * revoke made through any watcher is seen by every other at the agent's next heartbeat.
 */
export function createTokenStore(deps: TokenStoreDeps): TokenStore {
  const { configKv } = deps;
  const randomBytes = deps.randomBytes ?? cryptoRandomBytes;
  const codec = createCodec("token-record", tokenRecordSchema, deps.logger ? { logger: deps.logger } : {});

  async function read(id: string): Promise<{ record: TokenRecord; revision: number } | undefined> {
    if (!TOKEN_ID.test(id)) return undefined;
    const entry = await configKv.get(configKeys.token(id));
    if (entry?.operation !== "PUT") return undefined;
    const decoded = codec.decode(entry.value);
    return decoded.ok ? { record: decoded.value, revision: entry.revision } : undefined;
  }

  return {
    async create({ service, ttlMs, now }) {
      const id = `tok_${Buffer.from(randomBytes(ID_BYTES)).toString("hex")}`;
      const secret = `${id}.${Buffer.from(randomBytes(SECRET_BYTES)).toString("base64url")}`;
      const record: TokenRecord = {
        id,
        ...(service !== undefined && { service }),
        createdAt: now,
        ...(ttlMs !== undefined && { expiresAt: now + ttlMs }),
        revoked: false,
        hash: hashSecret(secret),
      };
      // create() fails rather than overwrite should two ids ever collide.
      await configKv.create(configKeys.token(id), codec.encode(record));
      return { record, secret };
    },

    async list() {
      const ids: string[] = [];
      for await (const key of await configKv.keys(configKeys.tokenAll)) ids.push(key.slice("token.".length));
      const records = await Promise.all(ids.map(async (id) => (await read(id))?.record));
      return records
        .filter((record): record is TokenRecord => record !== undefined)
        .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    },

    async revoke(id, now) {
      const found = await read(id);
      if (!found) return { ok: false, reason: "unknown" };
      if (found.record.revoked) return { ok: true, record: found.record };
      const record: TokenRecord = { ...found.record, revoked: true, revokedAt: now };
      await configKv.update(configKeys.token(id), codec.encode(record), found.revision);
      return { ok: true, record };
    },

    async verify(secret, service, now) {
      const id = secret.slice(0, secret.indexOf("."));
      const found = await read(id);
      if (!found || !hashMatches(found.record.hash, secret)) {
        return { ok: false, reason: "unknown", message: "the token is not one this Signalbox issued" };
      }
      return judge(found.record, service, now);
    },

    async check(tokenId, service, now) {
      const found = await read(tokenId);
      if (!found) return { ok: false, reason: "unknown", message: `token ${tokenId} no longer exists` };
      return judge(found.record, service, now);
    },
  };
}

/** Revoked beats expired beats a service scope mismatch; otherwise the token is good. */
function judge(record: TokenRecord, service: string, now: number): TokenVerdict {
  if (record.revoked) return { ok: false, reason: "revoked", message: `token ${record.id} was revoked` };
  if (record.expiresAt !== undefined && record.expiresAt <= now) {
    const at = new Date(record.expiresAt).toISOString();
    return { ok: false, reason: "expired", message: `token ${record.id} expired at ${at}` };
  }
  if (record.service !== undefined && record.service !== service) {
    return {
      ok: false,
      reason: "wrong-service",
      message: `token ${record.id} is for service "${record.service}", not "${service}"`,
    };
  }
  return { ok: true, tokenId: record.id };
}

/** sha256 is enough: the secret is 32 random bytes, so there is nothing to guess or stretch. */
function hashSecret(secret: string): string {
  return `sha256:${createHash("sha256").update(secret, "utf8").digest("hex")}`;
}

function hashMatches(stored: string, secret: string): boolean {
  const expected = Buffer.from(stored, "utf8");
  const actual = Buffer.from(hashSecret(secret), "utf8");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
