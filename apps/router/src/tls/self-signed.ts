// The certificate a router serves when signalbox-certs has no default: self-signed, made in
// memory at start with `selfsigned` (WebCrypto through @peculiar/x509; no openssl process, no
// file), P-256, valid a year. Clients will not trust it; it only keeps the listener answering.
import { generate } from "selfsigned";

export interface PemPair {
  chainPem: string;
  keyPem: string;
}

export async function generateSelfSigned(now: number): Promise<PemPair> {
  const name = "signalbox-router.invalid";
  const pems = await generate([{ name: "commonName", value: name }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + 365 * 86_400_000),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 2, value: name }] },
    ],
  });
  return { chainPem: pems.cert, keyPem: pems.private };
}
