// The bench's router: a private nats-server, one endpoint `bench.test` -> the backend, the router
// from apps/router/dist. Prints the router's port on stdout. Needs `npm run build` first.
// Usage: node bench/proxy/router.mjs <backend host:port> [access log: off (default) | a file path]
// With BENCH_TLS_CERT and BENCH_TLS_KEY (PEM paths) in the environment: also an HTTPS listener
// serving that pair as the default certificate from signalbox-certs; then the TLS port is printed.
import { readFileSync } from "node:fs";
import {
  certKeys,
  certRecordSchema,
  connectNats,
  createCodec,
  defaultCertSchema,
  openCertsBucket,
  openRoutesBucket,
  writeRouteTable,
} from "@signalbox/bus";
import { startNatsServer } from "@signalbox/bus/testing";
import { loadConfig, start } from "@signalbox/router";
import { checkCertificate } from "@signalbox/tls";
import pino from "pino";

const backendAddress = process.argv[2];
const certPath = process.env.BENCH_TLS_CERT;
const keyPath = process.env.BENCH_TLS_KEY;
const accessLog = process.argv[3] ?? "off";
const logger = pino({ level: "warn" });
const nats = await startNatsServer();
const nc = await connectNats({ servers: nats.url, name: "bench-writer", logger });
const kv = await openRoutesBucket(nc);
await writeRouteTable(kv, undefined, {
  version: 1,
  generatedAt: Date.now(),
  endpoints: [
    {
      pattern: "bench.test",
      routes: [{ id: "route000", selector: "", weight: 1, strategy: "round-robin" }],
      filters: [],
    },
  ],
  backends: [
    {
      id: "b1",
      service: "bench",
      address: backendAddress,
      labels: {},
      state: "up",
      source: "file",
      connectedAt: 0,
    },
  ],
});
if (certPath !== undefined) {
  const pems = { chainPem: readFileSync(certPath, "utf8"), keyPem: readFileSync(keyPath, "utf8") };
  const check = checkCertificate({ ...pems, now: Date.now() });
  if (!check.ok) throw new Error(check.reason);
  const certs = await openCertsBucket(nc);
  const record = { id: "bench", ...check.facts, source: "api", addedAt: Date.now(), ...pems };
  await certs.put(certKeys.cert("bench"), createCodec("cert", certRecordSchema).encode(record));
  await certs.put(certKeys.default, createCodec("default", defaultCertSchema).encode({ id: "bench" }));
}
const config = loadConfig({
  ROUTER_LISTEN: "127.0.0.1:0",
  ...(certPath !== undefined && { ROUTER_TLS_LISTEN: "127.0.0.1:0" }),
  ROUTER_ADMIN_LISTEN: "127.0.0.1:0",
  NATS_URL: nats.url,
  LOG_LEVEL: "warn",
  DRAIN_DELAY_MS: "0",
  DRAIN_TIMEOUT_MS: "1000",
  ROUTER_SLOW_START_MS: "0",
  ROUTER_ACCESS_LOG: accessLog,
});
const router = await start(config, { logger });
while (router.tableVersion() < 1) await new Promise((r) => setTimeout(r, 20));
if (certPath !== undefined) {
  // Serving the bench certificate, not the self-signed fallback, before the port is announced.
  const { connect } = await import("node:tls");
  const served = () =>
    new Promise((resolve) => {
      const socket = connect({
        host: "127.0.0.1",
        port: router.tlsAddresses[0].port,
        servername: "bench.test",
        rejectUnauthorized: false,
      });
      socket.once("secureConnect", () => {
        resolve(socket.getPeerCertificate().subject?.CN === "bench.test");
        socket.end();
      });
      socket.once("error", () => resolve(false));
    });
  while (!(await served())) await new Promise((r) => setTimeout(r, 20));
}
process.stdout.write(`${(certPath === undefined ? router.addresses : router.tlsAddresses)[0].port}\n`);
process.on("SIGTERM", async () => {
  await router.stop();
  await nc.close();
  await nats.stop();
  process.exit(0);
});
