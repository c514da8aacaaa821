// The control API (`signalbox.api.<op>`, cli -> watcher): a request and a reply schema per op,
// and the signalbox-config entries the API owns (API routes, weight overrides, hashed tokens).
import type { FilterSpec } from "@signalbox/route-model";
import { parseFilterSpec, ValidationError } from "@signalbox/route-model";
import { type ZodType, z } from "zod";
import { type Codec, type CodecOptions, createCodec } from "../codec.js";
import { escapeToken } from "../token-encoding.js";
import { certSummarySchema, MAX_PEM_CHARS } from "./certs.js";
import { HEALTH_STATUSES } from "./health.js";
import { locationSchema } from "./location.js";

/** Weights are whole numbers 0..10000 (contract: Route.weight); 0 gets no traffic. */
export const MAX_WEIGHT = 10_000;

const weight = z.int().min(0).max(MAX_WEIGHT);
const text = z.string().min(1).max(4096);
const epochMs = z.number().int().nonnegative();

/** A filter that `parseFilterSpec` accepts; the op re-parses it for a message naming the field. */
const filterSpec = z.custom<FilterSpec>((value) => {
  try {
    parseFilterSpec(value);
    return true;
  } catch {
    return false;
  }
}, "not a filter spec");

const apiError = z.object({
  /** `invalid`: the request is wrong and nothing changed (CLI exit 2); `failed`: the watcher could not do it (exit 1). */
  code: z.enum(["invalid", "failed"]),
  message: z.string(),
});
export type ApiError = z.infer<typeof apiError>;

const failure = z.object({ ok: z.literal(false), error: apiError });
export type ApiFailure = z.infer<typeof failure>;

function reply<T extends z.ZodRawShape>(shape: T) {
  return z.discriminatedUnion("ok", [z.object({ ok: z.literal(true), ...shape }), failure]);
}

const healthStatus = z.enum(HEALTH_STATUSES);

const queryRoute = z.object({
  id: z.string(),
  selector: z.string(),
  weight: z.number(),
  strategy: z.string(),
  /** True when the control API defined this route (only those can be removed through it). */
  apiDefined: z.boolean(),
  /** Ids of the backends the selector matches. */
  backends: z.array(z.string()),
});

const queryEndpoint = z.object({
  pattern: z.string(),
  filters: z.array(filterSpec),
  sticky: z.boolean().optional(),
  healthRequire: z.boolean().optional(),
  tls: z.boolean().optional(),
  /** Id of the certificate SNI picks for the endpoint's host; absent when only the routers' self-signed one would. */
  certificate: z.string().optional(),
  routes: z.array(queryRoute),
});

const queryBackend = z.object({
  id: z.string(),
  service: z.string(),
  address: z.string(),
  labels: z.record(z.string(), z.string()),
  state: z.enum(["up", "draining", "down"]),
  source: z.enum(["marathon", "agent", "file", "api"]),
  /** The health service's latest verdict; UNKNOWN when none has been heard. */
  health: healthStatus,
  load: z.number().optional(),
  /** Requests per second: routers' counts over the last seconds, else the agent's own report. */
  rps: z.number().optional(),
  weight: z.number().optional(),
  location: locationSchema.optional(),
  connectedAt: z.number(),
});

const tokenSummary = z.object({
  id: z.string(),
  service: z.string().optional(),
  createdAt: epochMs,
  expiresAt: epochMs.optional(),
  revoked: z.boolean(),
  revokedAt: epochMs.optional(),
});

/** `cert.list`: a certificate without its key, whether it is the default, and the endpoints it covers. */
const certListing = certSummarySchema.extend({
  default: z.boolean(),
  /** Endpoint patterns of the current table whose host one of the names covers. */
  endpoints: z.array(z.string()),
});

/** Every op: its request and reply schema. The subject is `subjects.api(op)`. */
export const apiOps = {
  query: {
    /** `pattern`: only that endpoint and the backends its routes match (a big table fits no one reply). */
    request: z.object({ pattern: text.optional() }),
    reply: reply({
      version: z.number(),
      generatedAt: z.number(),
      endpoints: z.array(queryEndpoint),
      backends: z.array(queryBackend),
      /** Compile warnings (shadowed endpoints, routes that can never be picked), as text. */
      warnings: z.array(z.string()),
    }),
  },
  "route.add": {
    request: z.object({
      pattern: text,
      selector: z.string().max(4096),
      weight: weight.optional(),
      strategy: text.optional(),
      /** Replaces the filters of the API's part of the endpoint when given. */
      filters: z.array(z.unknown()).optional(),
    }),
    reply: reply({ pattern: z.string(), routeId: z.string() }),
  },
  "route.remove": {
    request: z.object({ pattern: text, routeId: text }),
    reply: reply({ pattern: z.string(), routeId: z.string() }),
  },
  shape: {
    request: z.object({
      pattern: text,
      /** A list, not a map, so that a route named twice is reported rather than silently merged. */
      weights: z.array(z.object({ routeId: text, weight: z.number() })).min(1),
    }),
    /** The endpoint's route weights after the change. */
    reply: reply({ pattern: z.string(), weights: z.record(z.string(), z.number()) }),
  },
  "token.create": {
    /** A token is for one service unless `anyService` says otherwise; one of the two is required. */
    request: z.object({ service: text.optional(), anyService: z.boolean().optional(), ttl: text.optional() }),
    reply: reply({
      id: z.string(),
      /** Shown once: only its hash is stored. */
      secret: z.string(),
      service: z.string().optional(),
      createdAt: epochMs,
      expiresAt: epochMs.optional(),
    }),
  },
  "token.list": {
    request: z.object({}),
    reply: reply({ tokens: z.array(tokenSummary) }),
  },
  "token.revoke": {
    request: z.object({ id: text }),
    reply: reply({ id: z.string() }),
  },
  "cert.add": {
    request: z.object({
      chainPem: z.string().max(MAX_PEM_CHARS),
      keyPem: z.string().max(MAX_PEM_CHARS),
      /** Default: derived from the first name (`*.example.com` -> `wildcard-example-com`). */
      id: text.optional(),
      /** Serve it when SNI names nothing a certificate covers. */
      default: z.boolean().optional(),
    }),
    reply: reply({
      id: z.string(),
      names: z.array(z.string()),
      notAfter: epochMs,
      default: z.boolean(),
      /** True when a certificate with this id was there and is now replaced. */
      replaced: z.boolean(),
    }),
  },
  "cert.list": {
    request: z.object({}),
    reply: reply({ certificates: z.array(certListing) }),
  },
  "cert.remove": {
    request: z.object({ id: text }),
    reply: reply({ id: z.string(), wasDefault: z.boolean() }),
  },
} as const;

export type ApiOp = keyof typeof apiOps;
export const API_OPS = Object.keys(apiOps) as ApiOp[];
export type ApiRequest<O extends ApiOp> = z.infer<(typeof apiOps)[O]["request"]>;
export type ApiReply<O extends ApiOp> = z.infer<(typeof apiOps)[O]["reply"]>;
export type ApiSuccess<O extends ApiOp> = Extract<ApiReply<O>, { ok: true }>;
/** The request and reply codec of `op`, named `api.<op>.request` / `api.<op>.reply` in invalid-message reasons. */
export function createApiCodecs<O extends ApiOp>(
  op: O,
  opts: CodecOptions = {},
): { request: Codec<ApiRequest<O>>; reply: Codec<ApiReply<O>> } {
  return {
    request: createCodec(`api.${op}.request`, apiOps[op].request as unknown as ZodType<ApiRequest<O>>, opts),
    reply: createCodec(`api.${op}.reply`, apiOps[op].reply as unknown as ZodType<ApiReply<O>>, opts),
  };
}

export type QueryEndpoint = z.infer<typeof queryEndpoint>;
export type QueryRoute = z.infer<typeof queryRoute>;
export type QueryBackend = z.infer<typeof queryBackend>;
export type TokenSummary = z.infer<typeof tokenSummary>;
export type CertListing = z.infer<typeof certListing>;

// --- signalbox-config entries owned by the control API ---

/** A route the control API defined; its `id` is allocated by the API and kept. */
const apiRouteRecord = z.object({ id: text, selector: z.string(), weight, strategy: text });

/** `api.endpoint.<pattern>`: the API's routes and filters for one endpoint. */
export const apiEndpointRecordSchema = z.object({
  pattern: text,
  filters: z.array(filterSpec),
  routes: z.array(apiRouteRecord),
});
export type ApiEndpointRecord = z.infer<typeof apiEndpointRecordSchema>;

/** `api.shape.<pattern>`: weight overrides set by `shape`, applied to the merged table. */
export const apiShapeRecordSchema = z.object({ pattern: text, weights: z.record(z.string(), weight) });
export type ApiShapeRecord = z.infer<typeof apiShapeRecordSchema>;

/** Token ids the watcher issues: `tok_` and 12 hex digits; a secret starts with its id and a dot. */
export const TOKEN_ID = /^tok_[0-9a-f]{12}$/;

/** `token.<id>`: an agent token; `hash` is `sha256:<hex>` of the whole secret, never the secret. */
export const tokenRecordSchema = tokenSummary.extend({ hash: z.string().regex(/^sha256:[0-9a-f]{64}$/) });
export type TokenRecord = z.infer<typeof tokenRecordSchema>;

/**
 * Keys of signalbox-config. A pattern (`*.example.com/api`) holds characters a KV key cannot,
 * so it is escaped `=XX` as in the routes bucket; the entry's value carries the pattern itself.
 */
export const configKeys = {
  apiAll: "api.>",
  apiEndpointPrefix: "api.endpoint.",
  apiShapePrefix: "api.shape.",
  apiEndpoint: (pattern: string): string => `api.endpoint.${escapeToken(pattern, "=")}`,
  apiShape: (pattern: string): string => `api.shape.${escapeToken(pattern, "=")}`,
  tokenAll: "token.*",
  token: (id: string): string => `token.${id}`,
  /** The watchers' leader lease `{watcherId, expiresAt}` (apps/watcher/src/leader/leader-lease.ts). */
  watcherLeader: "watcher.leader",
} as const;

const TTL_UNITS_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
/** Ten years: a longer ttl is almost surely a typo. */
const MAX_TTL_MS = 3650 * 86_400_000;

/**
 * Parses a token ttl: a whole number and one unit, `90s`, `30m`, `24h`, `7d`, `2w`.
 * Throws ValidationError (field `ttl`) for anything else, zero, or more than ten years.
 */
export function parseTtl(value: string): number {
  const match = /^(\d{1,7})([smhdw])$/.exec(value.trim());
  const unitMs = match ? TTL_UNITS_MS[match[2] ?? ""] : undefined;
  if (!match || unitMs === undefined) {
    throw new ValidationError("ttl", value, "is not a duration like 30m, 24h or 7d");
  }
  const ms = Number(match[1]) * unitMs;
  if (ms <= 0) throw new ValidationError("ttl", value, "must be longer than zero");
  if (ms > MAX_TTL_MS) throw new ValidationError("ttl", value, "is longer than ten years");
  return ms;
}
