// TLS configuration check (issue 20): Debian's testssl.sh against the router's HTTPS listener.
// A private nats-server, a certificate from a throw-away openssl CA in signalbox-certs (passed to
// testssl with --add-ca, so the chain is judged, not our CA's trust), the shared ticket key, a
// backend behind the endpoint (testssl also reads the HTTP headers), then one full testssl run.
// Prints the findings by severity and every one at MEDIUM or above; exits 1 if there is any.
//
// How to run: `npm run build` at the root, `apt-get install -y testssl.sh`, then
// `node bench/tls/testssl.mjs [--keep out.json]`. Takes a few minutes (testssl probes hundreds of
// cipher and protocol combinations). Installs nothing.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import {
  certKeys,
  certRecordSchema,
  connectNats,
  createCodec,
  defaultCertSchema,
  openCertsBucket,
  openRoutesBucket,
  ticketKeysSchema,
  writeRouteTable,
} from "@signalbox/bus";
import { startNatsServer } from "@signalbox/bus/testing";
import { loadConfig, start } from "@signalbox/router";
import { checkCertificate } from "@signalbox/tls";
import { createTestPki } from "@signalbox/tls/testing";
import pino from "pino";

const HOST = "tls.test";
const SEVERE = new Set(["MEDIUM", "HIGH", "CRITICAL"]);
const keepIndex = process.argv.indexOf("--keep");
const testssl = ["testssl", "testssl.sh"].find(
  (name) => spawnSync("sh", ["-c", `command -v ${name}`]).status === 0,
);
if (testssl === undefined) {
  process.stderr.write("testssl.sh is not installed (Debian: apt-get install -y testssl.sh)\n");
  process.exit(2);
}

const logger = pino({ level: "warn" });
const pki = createTestPki();
const nats = await startNatsServer();
const nc = await connectNats({ servers: nats.url, name: "bench-testssl", logger });
const backend = createServer((_req, res) => res.end("ok\n"));
await new Promise((resolve) => backend.listen(0, "127.0.0.1", resolve));
let router;
let exitCode = 1;
try {
  const routes = await openRoutesBucket(nc);
  await writeRouteTable(routes, undefined, {
    version: 1,
    generatedAt: Date.now(),
    endpoints: [
      {
        pattern: HOST,
        routes: [{ id: "route000", selector: "", weight: 1, strategy: "round-robin" }],
        // What a site would send; testssl rates an answer without any security header MEDIUM.
        filters: [
          { type: "hsts", maxAge: 31536000, includeSubDomains: true },
          {
            type: "response-headers",
            set: {
              "x-content-type-options": "nosniff",
              "x-frame-options": "DENY",
              "content-security-policy": "default-src 'none'",
              "referrer-policy": "no-referrer",
            },
          },
        ],
      },
    ],
    backends: [
      {
        id: "b1",
        service: "ok",
        address: `127.0.0.1:${backend.address().port}`,
        labels: {},
        state: "up",
        source: "file",
        connectedAt: 0,
      },
    ],
  });
  const certs = await openCertsBucket(nc);
  // A year, and CRL/OCSP URLs, as a public CA's certificate has (testssl rates both otherwise).
  const issued = pki.issue({ names: [HOST], days: 365, revocationUrls: true });
  const check = checkCertificate({ chainPem: issued.chainPem, keyPem: issued.keyPem, now: Date.now() });
  if (!check.ok) throw new Error(check.reason);
  const record = {
    id: "tls-test",
    ...check.facts,
    source: "api",
    addedAt: Date.now(),
    chainPem: issued.chainPem,
    keyPem: issued.keyPem,
  };
  await certs.put(certKeys.cert(record.id), createCodec("cert", certRecordSchema).encode(record));
  await certs.put(certKeys.default, createCodec("default", defaultCertSchema).encode({ id: record.id }));
  await certs.put(
    certKeys.tickets,
    createCodec("tickets", ticketKeysSchema).encode({
      key: randomBytes(48).toString("base64"),
      rotatedAt: Date.now(),
    }),
  );
  router = await start(
    loadConfig({
      ROUTER_LISTEN: "127.0.0.1:0",
      ROUTER_TLS_LISTEN: "127.0.0.1:0",
      ROUTER_ADMIN_LISTEN: "127.0.0.1:0",
      NATS_URL: nats.url,
      LOG_LEVEL: "warn",
      DRAIN_DELAY_MS: "0",
      DRAIN_TIMEOUT_MS: "1000",
    }),
    { logger },
  );
  while (router.tableVersion() < 1) await new Promise((r) => setTimeout(r, 20));
  const port = router.tlsAddresses[0].port;
  const jsonFile = join(pki.dir, "testssl.json");
  const startedAt = Date.now();
  const run = spawn(
    testssl,
    [
      "--quiet",
      "--color",
      "0",
      "--warnings",
      "off",
      "--add-ca",
      pki.caPath,
      "--ip",
      "127.0.0.1",
      "--jsonfile",
      jsonFile,
      `https://${HOST}:${port}/`,
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const code = await new Promise((resolve) => run.once("exit", resolve));
  const findings = JSON.parse(readFileSync(jsonFile, "utf8"));
  if (keepIndex > 0) copyFileSync(jsonFile, process.argv[keepIndex + 1]);
  const bySeverity = new Map();
  for (const f of findings) bySeverity.set(f.severity, (bySeverity.get(f.severity) ?? 0) + 1);
  const severe = findings.filter((f) => SEVERE.has(f.severity));
  const order = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "WARN", "OK", "INFO"];
  const pick = (id) => findings.find((f) => f.id === id)?.finding ?? "-";
  process.stdout.write(
    [
      `${testssl} against the router's TLS listener (${HOST}, ${Math.round((Date.now() - startedAt) / 1000)} s, testssl exit ${code})`,
      `findings by severity: ${order
        .filter((s) => bySeverity.has(s))
        .map((s) => `${s} ${bySeverity.get(s)}`)
        .join(", ")}`,
      `protocols: TLS 1.3 ${pick("TLS1_3")}; TLS 1.2 ${pick("TLS1_2")}; TLS 1.1 ${pick("TLS1_1")}; TLS 1 ${pick("TLS1")}; SSLv3 ${pick("SSLv3")}`,
      `server cipher order: ${pick("cipher_order")}; session ticket: ${pick("sessionresumption_ticket")}; HSTS: ${pick("HSTS_time")}`,
      severe.length === 0
        ? "no finding of severity MEDIUM or above"
        : `findings of severity MEDIUM or above:\n${severe.map((f) => `  ${f.severity} ${f.id}: ${f.finding}`).join("\n")}`,
      "",
    ].join("\n"),
  );
  exitCode = severe.length === 0 ? 0 : 1;
} finally {
  await router?.stop();
  backend.close();
  await nc.close();
  await nats.stop();
  pki.remove();
}
process.exit(exitCode);
