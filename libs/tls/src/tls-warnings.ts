// What an operator must hear about TLS: an endpoint that asks for TLS with no certificate covering
// its host, and a certificate that expires within two weeks (or has). The default certificate does
// not count as covering: a client checks the name.
import { namesCoverPattern, patternHost } from "./host-names.js";

export interface CertificateView {
  id: string;
  names: readonly string[];
  notAfter: number;
}

export interface EndpointView {
  pattern: string;
  tls?: boolean;
}

/** Fourteen days: time to renew before clients refuse the certificate. */
export const EXPIRY_WARNING_MS = 14 * 86_400_000;

/** One line per problem, endpoints first, each naming the pattern or the certificate. */
export function tlsWarnings(
  endpoints: readonly EndpointView[],
  certificates: readonly CertificateView[],
  now: number,
  soonMs = EXPIRY_WARNING_MS,
): string[] {
  const warnings: string[] = [];
  for (const endpoint of endpoints) {
    if (endpoint.tls !== true) continue;
    if (certificates.some((cert) => namesCoverPattern(cert.names, endpoint.pattern))) continue;
    warnings.push(
      `endpoint ${endpoint.pattern} asks for TLS but no certificate covers ${patternHost(endpoint.pattern)} (signalbox cert add)`,
    );
  }
  for (const cert of certificates) {
    const at = new Date(cert.notAfter).toISOString();
    if (cert.notAfter <= now)
      warnings.push(`certificate ${cert.id} (${cert.names.join(", ")}) expired at ${at}`);
    else if (cert.notAfter - now <= soonMs) {
      const days = Math.floor((cert.notAfter - now) / 86_400_000);
      warnings.push(`certificate ${cert.id} (${cert.names.join(", ")}) expires at ${at}, in ${days} days`);
    }
  }
  return warnings;
}
