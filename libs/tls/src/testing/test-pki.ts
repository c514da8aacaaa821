// A throw-away PKI for tests, made with the openssl command at test time: a root CA, an
// intermediate, and leaves (exact, wildcard, expired, signed by either CA) in a temp directory.
// Test code only: the services never run openssl.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface IssuedCertificate {
  /** The leaf alone, or the leaf then the intermediate when `viaIntermediate`. */
  chainPem: string;
  keyPem: string;
  /** Files holding chainPem and keyPem (for the CLI). */
  certPath: string;
  keyPath: string;
}

export interface IssueOptions {
  /** DNS subjectAltNames; empty means none (the CN alone names the host). */
  names: string[];
  /** Subject CN; default the first name. */
  cn?: string;
  /** Valid from 2020-01-01 to 2020-01-02. */
  expired?: boolean;
  /** Signed by the intermediate; chainPem is leaf + intermediate. */
  viaIntermediate?: boolean;
  /** Validity in days (default 30; scanners flag less than 30 as expiring). */
  days?: number;
  /** Name a CRL and an OCSP responder (unreachable .invalid URLs), as public CAs do; TLS scanners ask. */
  revocationUrls?: boolean;
}

export interface TestPki {
  dir: string;
  /** The root CA certificate (trust it in clients) and its path. */
  caPem: string;
  caPath: string;
  intermediatePem: string;
  issue(opts: IssueOptions): IssuedCertificate;
  /** Writes `text` to a file in the PKI's directory and returns its path. */
  writeFile(name: string, text: string): string;
  /** Removes the directory. */
  remove(): void;
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "signalbox-pki-"));
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => {
    try {
      execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? "";
      throw new Error(`openssl ${args.join(" ")} failed: ${stderr}`);
    }
  };
  let serial = 1;

  writeFileSync(path("ca.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
  openssl(
    "req",
    "-x509",
    ...EC_KEY,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "3650",
    "-subj",
    "/CN=Signalbox Test Root CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
  openssl(
    "req",
    ...EC_KEY,
    "-keyout",
    "int.key",
    "-out",
    "int.csr",
    "-subj",
    "/CN=Signalbox Test Intermediate",
  );
  openssl(
    "x509",
    "-req",
    "-in",
    "int.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-set_serial",
    String(serial++),
    "-days",
    "3650",
    "-extfile",
    "ca.ext",
    "-out",
    "int.pem",
  );
  // `openssl ca` is the only OpenSSL 3.0 command that takes explicit dates (for expired leaves).
  writeFileSync(path("index.txt"), "");
  writeFileSync(path("serial"), "1000\n");
  writeFileSync(
    path("ca.cnf"),
    [
      "[ca]",
      "default_ca = test",
      "[test]",
      `dir = ${dir}`,
      "database = $dir/index.txt",
      "serial = $dir/serial",
      "new_certs_dir = $dir",
      "default_md = sha256",
      "policy = any",
      "unique_subject = no",
      "copy_extensions = none",
      "[any]",
      "commonName = supplied",
    ].join("\n"),
  );

  const pki: TestPki = {
    dir,
    caPem: readFileSync(path("ca.pem"), "utf8"),
    caPath: path("ca.pem"),
    intermediatePem: readFileSync(path("int.pem"), "utf8"),
    issue(opts) {
      const n = serial++;
      const base = `leaf${n}`;
      const cn = opts.cn ?? opts.names[0] ?? "unnamed";
      const ext = ["basicConstraints=CA:FALSE", "extendedKeyUsage=serverAuth", "keyUsage=digitalSignature"];
      if (opts.names.length > 0)
        ext.push(`subjectAltName=${opts.names.map((name) => `DNS:${name}`).join(",")}`);
      if (opts.revocationUrls) {
        ext.push("crlDistributionPoints=URI:http://crl.signalbox.invalid/test.crl");
        ext.push("authorityInfoAccess=OCSP;URI:http://ocsp.signalbox.invalid/");
      }
      writeFileSync(path(`${base}.ext`), `${ext.join("\n")}\n`);
      openssl("req", ...EC_KEY, "-keyout", `${base}.key`, "-out", `${base}.csr`, "-subj", `/CN=${cn}`);
      const [caCert, caKey] = opts.viaIntermediate ? ["int.pem", "int.key"] : ["ca.pem", "ca.key"];
      if (opts.expired) {
        openssl(
          "ca",
          "-batch",
          "-config",
          "ca.cnf",
          "-in",
          `${base}.csr`,
          "-cert",
          caCert,
          "-keyfile",
          caKey,
          "-startdate",
          "20200101000000Z",
          "-enddate",
          "20200102000000Z",
          "-extfile",
          `${base}.ext`,
          "-notext",
          "-out",
          `${base}.pem`,
        );
      } else {
        openssl(
          "x509",
          "-req",
          "-in",
          `${base}.csr`,
          "-CA",
          caCert,
          "-CAkey",
          caKey,
          "-set_serial",
          String(n),
          "-days",
          String(opts.days ?? 30),
          "-extfile",
          `${base}.ext`,
          "-out",
          `${base}.pem`,
        );
      }
      const leafPem = readFileSync(path(`${base}.pem`), "utf8");
      const chainPem = opts.viaIntermediate ? leafPem + pki.intermediatePem : leafPem;
      writeFileSync(path(`${base}.chain.pem`), chainPem);
      return {
        chainPem,
        keyPem: readFileSync(path(`${base}.key`), "utf8"),
        certPath: path(`${base}.chain.pem`),
        keyPath: path(`${base}.key`),
      };
    },
    writeFile(name, text) {
      writeFileSync(path(name), text);
      return path(name);
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return pki;
}
