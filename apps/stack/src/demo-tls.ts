// The demo's HTTPS: a throw-away CA and a demo.localhost certificate it signs, made in memory at
// every `npm start` (selfsigned: WebCrypto, no openssl) and left in the stack's log directory so
// the printed curl can trust the CA. Demo only: the key sits in a temp directory.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generate } from "selfsigned";

export interface DemoCertificates {
  caPath: string;
  certPath: string;
  keyPath: string;
}

const VALID_MS = 30 * 86_400_000;

export async function createDemoCertificates(
  dir: string,
  host: string,
  now = Date.now(),
): Promise<DemoCertificates> {
  const validity = { notBeforeDate: new Date(now - 60_000), notAfterDate: new Date(now + VALID_MS) };
  const ec = { keyType: "ec", curve: "P-256", algorithm: "sha256" } as const;
  const ca = await generate([{ name: "commonName", value: "Signalbox demo CA" }], {
    ...ec,
    ...validity,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const leaf = await generate([{ name: "commonName", value: host }], {
    ...ec,
    ...validity,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 2, value: host }] },
    ],
  });
  const paths = {
    caPath: join(dir, "demo-ca.pem"),
    certPath: join(dir, `${host}.pem`),
    keyPath: join(dir, `${host}.key`),
  };
  await writeFile(paths.caPath, ca.cert);
  await writeFile(paths.certPath, leaf.cert);
  await writeFile(paths.keyPath, leaf.private, { mode: 0o600 });
  return paths;
}
