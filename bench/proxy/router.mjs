// The bench's router: a private nats-server, one endpoint `bench.test` -> the backend, the router
// from apps/router/dist. Prints the router's port on stdout. Needs `npm run build` first.
// Usage: node bench/proxy/router.mjs <backend host:port> [access log: off (default) | a file path]
import { connectNats, openRoutesBucket, writeRouteTable } from "@signalbox/bus";
import { startNatsServer } from "@signalbox/bus/testing";
import { loadConfig, start } from "@signalbox/router";
import pino from "pino";

const backendAddress = process.argv[2];
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
const config = loadConfig({
  ROUTER_LISTEN: "127.0.0.1:0",
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
process.stdout.write(`${router.addresses[0].port}\n`);
process.on("SIGTERM", async () => {
  await router.stop();
  await nc.close();
  await nats.stop();
  process.exit(0);
});
