// The routes file's `certificates:` into signalbox-certs (source `file`): each listed pair is read
// and checked at every load and resync, written when its certificate changed, and file
// certificates no longer listed are removed. A pair that cannot be read or fails the checks is
// logged and leaves signalbox-certs as it is (no removal that round either), so a half-written
// renewal never takes a serving certificate away. Certificates added through the API are never
// touched.
import { readFile, stat } from "node:fs/promises";
import type { Clock } from "@signalbox/backoff";
import { MAX_PEM_CHARS } from "@signalbox/bus";
import { checkCertificate } from "@signalbox/tls";
import type { Logger } from "pino";
import type { FileCertificate } from "../providers/file/routes-file.js";
import { certIdFor } from "./cert-id.js";
import { certRecordOf } from "./cert-record.js";
import type { CertStore } from "./cert-store.js";

export interface FileCertificatesDeps {
  certs: CertStore;
  clock: Clock;
  logger: Logger;
}

export function createFileCertificateSync(
  deps: FileCertificatesDeps,
): (list: FileCertificate[]) => Promise<void> {
  const { certs, clock, logger } = deps;
  return async (list) => {
    const now = clock.now();
    const held = new Map((await certs.list()).map((summary) => [summary.id, summary]));
    const listed = new Set<string>();
    let complete = true;
    let defaultId: string | undefined;
    for (const entry of list) {
      const pems = await readPair(entry).catch((error: unknown) => {
        logger.error(
          { cert: entry.cert, key: entry.key, reason: (error as Error).message },
          "certificate files unreadable; signalbox-certs unchanged",
        );
        return undefined;
      });
      const check = pems && checkCertificate({ ...pems, now });
      if (pems === undefined || check === undefined || !check.ok) {
        if (check !== undefined && !check.ok) {
          logger.error(
            { cert: entry.cert, reason: check.reason },
            "certificate from the routes file refused; signalbox-certs unchanged",
          );
        }
        complete = false;
        if (entry.id !== undefined) listed.add(entry.id);
        continue;
      }
      const id = entry.id ?? certIdFor(check.facts.names[0] ?? "");
      listed.add(id);
      const current = held.get(id);
      if (current !== undefined && current.source !== "file") {
        logger.warn(
          { cert: entry.cert, id },
          "certificate id taken by one added through the API; the file's is not used",
        );
        continue;
      }
      if (entry.default) defaultId = id;
      if (current?.fingerprint === check.facts.fingerprint) continue;
      await certs.put(certRecordOf({ id, facts: check.facts, ...pems, source: "file", now }));
      logger.info(
        {
          id,
          cert: entry.cert,
          names: check.facts.names,
          notAfter: new Date(check.facts.notAfter).toISOString(),
        },
        "certificate from the routes file stored",
      );
    }
    if (complete) {
      for (const [id, summary] of held) {
        if (summary.source !== "file" || listed.has(id)) continue;
        await certs.remove(id);
        logger.info({ id }, "certificate no longer in the routes file removed");
      }
    }
    if (defaultId !== undefined && (await certs.defaultId()) !== defaultId) await certs.setDefault(defaultId);
  };
}

async function readPair(entry: FileCertificate): Promise<{ chainPem: string; keyPem: string }> {
  const [chainPem, keyPem] = await Promise.all([readPem(entry.cert), readPem(entry.key)]);
  return { chainPem, keyPem };
}

/** Checked before reading: a device or a huge file named in the routes file is never read into memory. */
async function readPem(path: string): Promise<string> {
  const info = await stat(path);
  if (!info.isFile()) throw new Error(`${path} is not a regular file`);
  if (info.size > MAX_PEM_CHARS) throw new Error(`${path} is over ${MAX_PEM_CHARS} bytes: not a PEM file`);
  return readFile(path, "utf8");
}
