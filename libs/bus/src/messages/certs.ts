// signalbox-certs (watcher writes, routers read): one entry per certificate (`cert.<id>`, chain
// and key PEM with the facts the watcher checked), the default certificate's id (`default`) and
// the TLS session ticket key every router shares (`tickets`).
import { z } from "zod";

/** Certificate ids: what `cert add --id` takes and `cert.<id>` is keyed by; lower case, one KV token. */
export const CERT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** A PEM file larger than this is not a certificate chain or key anyone means. */
export const MAX_PEM_CHARS = 65_536;

const epochMs = z.number().int().nonnegative();
const pem = z.string().min(1).max(MAX_PEM_CHARS);

export const CERT_SOURCES = ["api", "file", "acme"] as const;
export type CertSource = (typeof CERT_SOURCES)[number];

/** What is shown of a certificate anywhere outside the routers: everything but the key. */
export const certSummarySchema = z.object({
  id: z.string().regex(CERT_ID),
  names: z.array(z.string().min(1).max(253)).min(1),
  subject: z.string(),
  issuer: z.string(),
  notBefore: epochMs,
  notAfter: epochMs,
  fingerprint: z.string(),
  source: z.enum(CERT_SOURCES),
  addedAt: epochMs,
});
export type CertSummary = z.infer<typeof certSummarySchema>;

/** `cert.<id>`: the chain (leaf first) and its private key, as the routers load them. */
export const certRecordSchema = certSummarySchema.extend({ chainPem: pem, keyPem: pem });
export type CertRecord = z.infer<typeof certRecordSchema>;

/** `default`: the certificate served when SNI names nothing covered (or no name at all). */
export const defaultCertSchema = z.object({ id: z.string().regex(CERT_ID) });
export type DefaultCert = z.infer<typeof defaultCertSchema>;

/** TLS session ticket key length for node:tls `setTicketKeys` (16 name + 16 AES + 16 HMAC). */
export const TICKET_KEY_BYTES = 48;

/** `tickets`: the shared ticket key (base64), so a session made on one router resumes on any. */
export const ticketKeysSchema = z.object({
  key: z.base64().refine((text) => Buffer.from(text, "base64").length === TICKET_KEY_BYTES, {
    message: `is not ${TICKET_KEY_BYTES} bytes`,
  }),
  rotatedAt: epochMs,
});
export type TicketKeys = z.infer<typeof ticketKeysSchema>;

export const certKeys = {
  certAll: "cert.*",
  certPrefix: "cert.",
  cert: (id: string): string => `cert.${id}`,
  default: "default",
  tickets: "tickets",
} as const;
