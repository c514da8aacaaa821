// PEM text -> the certificate blocks it holds, in order (a chain file: leaf first).

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/g;

/** Every `CERTIFICATE` block of `text`, in order; text between blocks (comments, bag attributes) is ignored. */
export function splitPemCertificates(text: string): string[] {
  return text.match(CERTIFICATE_BLOCK) ?? [];
}
