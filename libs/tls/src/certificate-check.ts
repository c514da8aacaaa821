// The checks a certificate passes before Signalbox stores or serves it: the PEM parses, the key
// is the leaf's, each certificate of the chain is issued (and signed) by the next, and every one
// is valid now. Pure: node:crypto parsing only, no files, no clock of its own.

import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { normaliseHostName } from "./host-names.js";
import { splitPemCertificates } from "./pem.js";

/** What Signalbox records about a certificate that passed the checks. */
export interface CertificateFacts {
  /** DNS names from the subjectAltName, lower case; the subject CN only when there is no SAN. */
  names: string[];
  /** The leaf's subject and issuer distinguished names, one line (`CN=demo.localhost`). */
  subject: string;
  issuer: string;
  /** Validity of the leaf, epoch milliseconds. */
  notBefore: number;
  notAfter: number;
  /** SHA-256 fingerprint of the leaf (`AB:CD:...`): names a certificate without its key. */
  fingerprint: string;
}

export type CertificateCheck = { ok: true; facts: CertificateFacts } | { ok: false; reason: string };

export interface CertificateInput {
  /** The leaf first, then its intermediates (the root may follow or be left out). */
  chainPem: string;
  keyPem: string;
  /** Epoch milliseconds the validity is judged at. */
  now: number;
}

/** Runs every check; the first failure is the reason, worded for an operator. */
export function checkCertificate(input: CertificateInput): CertificateCheck {
  const chain = parseChain(input.chainPem);
  if (typeof chain === "string") return { ok: false, reason: chain };
  const key = parseKey(input.keyPem);
  if (typeof key === "string") return { ok: false, reason: key };
  const leaf = chain[0] as X509Certificate;
  if (key.type !== "private" || !leaf.checkPrivateKey(key)) {
    return { ok: false, reason: `the private key does not match the certificate ${describe(leaf)}` };
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    const cert = chain[i] as X509Certificate;
    const issuer = chain[i + 1] as X509Certificate;
    if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) {
      return {
        ok: false,
        reason:
          `the chain is out of order: certificate ${i + 1} ${describe(cert)} is not issued by ` +
          `certificate ${i + 2} ${describe(issuer)} (put the leaf first, then each issuer)`,
      };
    }
  }
  for (const [i, cert] of chain.entries()) {
    const validity = checkValidity(cert, input.now);
    if (validity !== undefined)
      return { ok: false, reason: `certificate ${i + 1} ${describe(cert)} ${validity}` };
  }
  const names = namesOf(leaf);
  if (names.length === 0) {
    return { ok: false, reason: `the certificate ${describe(leaf)} names no DNS host (no SAN, no CN)` };
  }
  return {
    ok: true,
    facts: {
      names,
      subject: oneLine(leaf.subject),
      issuer: oneLine(leaf.issuer),
      notBefore: validFrom(leaf).getTime(),
      notAfter: validTo(leaf).getTime(),
      fingerprint: leaf.fingerprint256,
    },
  };
}

function parseChain(pem: string): X509Certificate[] | string {
  const blocks = splitPemCertificates(pem);
  if (blocks.length === 0) return "the certificate file holds no PEM certificate (BEGIN CERTIFICATE)";
  const chain: X509Certificate[] = [];
  for (const [i, block] of blocks.entries()) {
    try {
      chain.push(new X509Certificate(block));
    } catch (error) {
      return `certificate ${i + 1} of the file does not parse: ${(error as Error).message}`;
    }
  }
  return chain;
}

function parseKey(pem: string): KeyObject | string {
  if (!/-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/.test(pem)) {
    return "the key file holds no PEM private key (BEGIN PRIVATE KEY)";
  }
  try {
    return createPrivateKey({ key: pem, format: "pem" });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_MISSING_PASSPHRASE")
      return "the private key is encrypted; give it without a passphrase";
    return `the private key does not parse: ${(error as Error).message}`;
  }
}

function checkValidity(cert: X509Certificate, now: number): string | undefined {
  if (now > validTo(cert).getTime()) return `expired at ${validTo(cert).toISOString()}`;
  if (now < validFrom(cert).getTime()) return `is not valid before ${validFrom(cert).toISOString()}`;
  return undefined;
}

/** SAN DNS names; the CN only when the certificate has no subjectAltName at all (RFC 6125 6.4.4). */
function namesOf(cert: X509Certificate): string[] {
  const san = cert.subjectAltName;
  const names =
    san === undefined
      ? [...cert.subject.matchAll(/^CN=(.+)$/gm)].map((m) => m[1] ?? "")
      : san
          .split(", ")
          .filter((entry) => entry.startsWith("DNS:"))
          .map((entry) => entry.slice("DNS:".length));
  return [...new Set(names.map((name) => normaliseHostName(name.trim())).filter((name) => name !== ""))];
}

function describe(cert: X509Certificate): string {
  return `(subject ${oneLine(cert.subject)})`;
}

function oneLine(dn: string): string {
  return dn.split("\n").filter(Boolean).join(", ");
}

// Node 20's X509Certificate has only the text forms (validFromDate/validToDate came in Node 23).
function validFrom(cert: X509Certificate): Date {
  return new Date(cert.validFrom);
}

function validTo(cert: X509Certificate): Date {
  return new Date(cert.validTo);
}
