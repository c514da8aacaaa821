// The routes file's `certificates:` against a real watcher and nats-server: listed pairs land in
// signalbox-certs (source file, the default named), a renewed certificate file replaces the
// record, a broken one changes nothing, and a pair dropped from the list is removed.

import { X509Certificate } from "node:crypto";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CertRecord,
  certKeys,
  certRecordSchema,
  connectNats,
  defaultCertSchema,
  openCertsBucket,
} from "@signalbox/bus";
import { captureLogger, type NatsServer, startNatsServer, waitUntil } from "@signalbox/bus/testing";
import { createTestPki, type TestPki } from "@signalbox/tls/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KV, NatsConnection } from "../src/bus-types.js";
import { loadConfig, start, type Watcher } from "../src/index.js";

let server: NatsServer;
let nc: NatsConnection;
let kv: KV;
let dir: string;
let pki: TestPki;
let watcher: Watcher | undefined;
const logs = captureLogger("info");

async function record(id: string): Promise<CertRecord | undefined> {
  const entry = await kv.get(certKeys.cert(id));
  if (entry?.operation !== "PUT") return undefined;
  return certRecordSchema.parse(JSON.parse(new TextDecoder().decode(entry.value)));
}

async function defaultId(): Promise<string | undefined> {
  const entry = await kv.get(certKeys.default);
  return entry?.operation === "PUT"
    ? defaultCertSchema.parse(JSON.parse(new TextDecoder().decode(entry.value))).id
    : undefined;
}

const routesFile = (certificates: string) =>
  writeFile(
    join(dir, "routes.yaml"),
    `endpoints:\n  - { pattern: shop.test, routes: [] }\ncertificates:\n${certificates}`,
  );

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connectNats({ servers: server.url, name: "test-file-certs", logger: logs.logger });
  kv = await openCertsBucket(nc);
  dir = await mkdtemp(join(tmpdir(), "signalbox-file-certs-"));
  pki = createTestPki();
});

afterAll(async () => {
  await watcher?.stop();
  await nc?.close();
  await server?.stop();
  pki?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("certificates in the routes file", () => {
  it("stores listed pairs, follows a renewal, ignores a broken file and removes a dropped pair", async () => {
    const shop = pki.issue({ names: ["shop.test"] });
    const wild = pki.issue({ names: ["*.wild.test"] });
    await copyFile(shop.certPath, join(dir, "shop.pem"));
    await copyFile(shop.keyPath, join(dir, "shop.key"));
    await routesFile(
      `  - { cert: shop.pem, key: shop.key, default: true }\n  - { id: wild, cert: ${wild.certPath}, key: ${wild.keyPath} }\n`,
    );
    watcher = await start(
      loadConfig({
        NATS_URL: server.url,
        ROUTES_FILE: join(dir, "routes.yaml"),
        WATCHER_ADMIN_LISTEN: "127.0.0.1:0",
        WATCHER_DEBOUNCE_MS: "5",
      }),
      { nc, logger: logs.logger },
    );
    await waitUntil(
      async () => (await record("wild")) !== undefined && (await defaultId()) === "shop-test",
      "both stored",
    );
    expect(await record("shop-test")).toMatchObject({
      source: "file",
      names: ["shop.test"],
      keyPem: shop.keyPem,
    });
    expect(await record("wild")).toMatchObject({ source: "file", names: ["*.wild.test"] });

    // A renewal written over the files in place: the record follows.
    const renewed = pki.issue({ names: ["shop.test"] });
    const renewedFingerprint = new X509Certificate(renewed.chainPem).fingerprint256;
    await copyFile(renewed.keyPath, join(dir, "shop.key"));
    await copyFile(renewed.certPath, join(dir, "shop.pem"));
    await waitUntil(
      async () => (await record("shop-test"))?.fingerprint === renewedFingerprint,
      "renewal stored",
    );

    // Garbage in the certificate file: logged, nothing changes.
    await writeFile(join(dir, "shop.pem"), "garbage\n");
    await waitUntil(
      () => logs.find("certificate from the routes file refused").length > 0,
      "the refusal logged",
    );
    expect((await record("shop-test"))?.fingerprint).toBe(renewedFingerprint);

    // The wild pair dropped from the list: removed; the shop pair restored stays.
    await copyFile(renewed.certPath, join(dir, "shop.pem"));
    await routesFile("  - { cert: shop.pem, key: shop.key, default: true }\n");
    await waitUntil(async () => (await record("wild")) === undefined, "wild removed");
    expect((await record("shop-test"))?.fingerprint).toBe(renewedFingerprint);
    expect(await defaultId()).toBe("shop-test");
  });
});
