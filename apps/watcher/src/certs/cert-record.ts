// The signalbox-certs record of a certificate that passed checkCertificate, wherever it came from.
import type { CertRecord, CertSource } from "@signalbox/bus";
import { type CertificateFacts, splitPemCertificates } from "@signalbox/tls";

export function certRecordOf(opts: {
  id: string;
  facts: CertificateFacts;
  chainPem: string;
  keyPem: string;
  source: CertSource;
  now: number;
}): CertRecord {
  return {
    id: opts.id,
    ...opts.facts,
    source: opts.source,
    addedAt: opts.now,
    // Only the certificate blocks: whatever else the file held (comments, bag attributes) stays out.
    chainPem: `${splitPemCertificates(opts.chainPem).join("\n")}\n`,
    keyPem: opts.keyPem,
  };
}
