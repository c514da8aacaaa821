// The TLS part of the admin /routes: each certificate (id, names, expiry, default; never the key),
// the certificate SNI gives each endpoint's host, and the TLS warnings as this router sees them.
import type { Clock } from "@signalbox/backoff";
import { patternHost, tlsWarnings } from "@signalbox/tls";
import type { TlsView } from "../admin/admin-server.js";
import type { CertBook } from "./cert-book.js";

export function createTlsView(book: CertBook, clock: Clock): TlsView {
  return {
    certificateFor: (pattern) => book.pick(patternHost(pattern)).id,
    describe(endpoints) {
      const certificates = book.summaries();
      return {
        certificates: certificates.map((cert) => ({
          ...cert,
          notAfter: new Date(cert.notAfter).toISOString(),
        })),
        tlsWarnings: tlsWarnings(endpoints, certificates, clock.now()),
      };
    },
  };
}
