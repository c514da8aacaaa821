// The watcher's TLS warnings against certificates in a real signalbox-certs: an endpoint asking for
// TLS that nothing covers, a certificate that comes within 14 days of expiry as the clock moves;
// each logged once while it holds.

import { ManualClock } from "@signalbox/backoff/testing";
import { connectNats, openCertsBucket } from "@signalbox/bus";
import { captureLogger, type NatsServer, startNatsServer } from "@signalbox/bus/testing";
import type { RouteTable } from "@signalbox/route-model";
import { checkCertificate } from "@signalbox/tls";
import { createTestPki, type TestPki } from "@signalbox/tls/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KV, NatsConnection } from "../src/bus-types.js";
import { certRecordOf } from "../src/certs/cert-record.js";
import { createCertStore } from "../src/certs/cert-store.js";
import { startTlsWarningLog } from "../src/certs/tls-warning-log.js";

const DAY = 86_400_000;
let server: NatsServer;
let nc: NatsConnection;
let kv: KV;
let pki: TestPki;

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connectNats({
    servers: server.url,
    name: "test-tls-warnings",
    logger: captureLogger("silent").logger,
  });
  kv = await openCertsBucket(nc);
  pki = createTestPki();
});

afterAll(async () => {
  await nc?.close();
  await server?.stop();
  pki?.remove();
});

describe("TLS warning log", () => {
  it("warns of an uncovered TLS endpoint and of an expiry within 14 days, once each", async () => {
    const certs = createCertStore({ certsKv: kv });
    const issued = pki.issue({ names: ["shop.test"], days: 20 });
    const check = checkCertificate({ chainPem: issued.chainPem, keyPem: issued.keyPem, now: Date.now() });
    if (!check.ok) throw new Error(check.reason);
    await certs.put(
      certRecordOf({ id: "shop", facts: check.facts, ...issued, source: "api", now: Date.now() }),
    );
    const table: RouteTable = {
      version: 1,
      generatedAt: 0,
      endpoints: [
        { pattern: "shop.test", routes: [], filters: [], tls: true },
        { pattern: "pay.test/v1", routes: [], filters: [], tls: true },
        { pattern: "plain.test", routes: [], filters: [] },
      ],
      backends: [],
    };
    const logs = captureLogger("warn");
    const clock = new ManualClock(Date.now());
    const log = startTlsWarningLog({
      tables: { current: () => table, onTable: () => () => {} },
      certs,
      clock,
      logger: logs.logger,
      checkEveryMs: 365 * DAY,
    });
    try {
      expect(await log.check()).toEqual([
        "endpoint pay.test/v1 asks for TLS but no certificate covers pay.test (signalbox cert add)",
      ]);
      await log.check();
      expect(logs.find("TLS warning")).toHaveLength(1);

      clock.advance(7 * DAY);
      const later = await log.check();
      expect(later).toHaveLength(2);
      expect(later[1]).toMatch(/^certificate shop \(shop\.test\) expires at \S+, in 1[23] days$/);
      expect(logs.find("TLS warning").map((line) => line.warning)).toEqual([later[0], later[1]]);
    } finally {
      await log.stop();
    }
  });
});
