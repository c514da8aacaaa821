// Propagation latency (issue 4): from a Marathon event leaving the fake Marathon to a running
// router holding the route it adds, over 100 changes: p50, p99 (target p99 < 100 ms).
//
// How to run: `npm run build` at the root (the bench imports the built packages), then
// `node bench/propagation/run.mjs`. WATCHER_DEBOUNCE_MS (default 50, the watcher's default),
// CHANGES (default 100) and PAUSE_MS (default 100; 0 sends changes back to back, so each one
// also waits out the rest of the previous reload's window) may be set. Pieces: a private nats-server, the fake Marathon of
// @signalbox/watcher/testing (real SSE framing) holding 100 apps, the watcher from
// apps/watcher/dist in this process, and the router from apps/router/dist in a child
// process (router-process.mjs). Each change adds one app with a new host and emits a
// status_update_event; the clock stops when the router has swapped in the table version
// that carries it, and one request through the router with that Host must then answer 200.
import { once } from "node:events";
import { createServer } from "node:http";
import { startNatsServer } from "@signalbox/bus/testing";
import { loadConfig, start } from "@signalbox/watcher";
import { marathonApp, startFakeMarathon } from "@signalbox/watcher/testing";
import { pino } from "pino";
import { request } from "undici";
import { epochMs, startRouterProcess } from "./router-process.mjs";

const CHANGES = Number(process.env.CHANGES ?? 100);
const BASE_APPS = 100;
const DEBOUNCE_MS = process.env.WATCHER_DEBOUNCE_MS ?? "50";
/** Time between changes: past the debounce window each change is an isolated event (PAUSE_MS=0: back to back). */
const PAUSE_MS = Number(process.env.PAUSE_MS ?? 100);

const backend = createServer((_req, res) => res.end("backend"));
backend.listen(0, "127.0.0.1");
await once(backend, "listening");
const backendPort = backend.address().port;

const appFor = (name) =>
  marathonApp({
    id: `/bench/${name}`,
    labels: { "signalbox.host": `${name}.bench.test` },
    tasks: [{ host: "127.0.0.1", port: backendPort }],
    networking: "host",
  });

const nats = await startNatsServer();
const marathon = await startFakeMarathon({ keepAliveMs: 10_000 });
const apps = Array.from({ length: BASE_APPS }, (_, i) => appFor(`base${i}`));
marathon.apps = [...apps];
const watcher = await start(
  loadConfig({
    NATS_URL: nats.url,
    MARATHON_URL: marathon.url,
    WATCHER_ADMIN_LISTEN: "127.0.0.1:0",
    WATCHER_DEBOUNCE_MS: DEBOUNCE_MS,
    LOG_LEVEL: "warn",
  }),
  { logger: pino({ level: "warn" }) },
);
const router = await startRouterProcess(nats.url);

try {
  while ((watcher.builder.current()?.version ?? 0) < 1) await new Promise((r) => setTimeout(r, 10));
  await router.waitForVersion(watcher.builder.current().version);

  const latencies = [];
  const publishLatencies = [];
  let publishedAt = 0;
  watcher.builder.onTable(() => {
    publishedAt = epochMs();
  });
  for (let i = 0; i < CHANGES; i++) {
    const name = `change${i}`;
    apps.push(appFor(name));
    marathon.apps = [...apps];
    const expected = watcher.builder.current().version + 1;
    const applied = router.waitForVersion(expected);
    const sentAt = epochMs();
    marathon.emit("status_update_event", {
      slaveId: "bench-S1",
      taskId: `bench_${name}.instance-0._app.1`,
      taskStatus: "TASK_RUNNING",
      message: "",
      appId: `/bench/${name}`,
      host: "127.0.0.1",
      ipAddresses: [],
      ports: [backendPort],
      version: "2021-03-01T10:00:00.000Z",
    });
    latencies.push((await applied) - sentAt);
    publishLatencies.push(publishedAt - sentAt);
    const response = await request(`http://127.0.0.1:${router.port}/`, {
      headers: { host: `${name}.bench.test` },
    });
    const body = await response.body.text();
    if (response.statusCode !== 200 || body !== "backend") {
      throw new Error(`change ${i}: the router answered ${response.statusCode} ${body}`);
    }
    await new Promise((r) => setTimeout(r, PAUSE_MS));
  }

  const quantile = (values, q) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1))];
  };
  const at = (q) => quantile(latencies, q);
  const fmt = (ms) => `${ms.toFixed(1)} ms`;
  console.log(`propagation: fake Marathon event -> router serving the new route (${CHANGES} changes)`);
  console.log(
    `  watcher debounce ${DEBOUNCE_MS} ms, ${PAUSE_MS} ms between changes, ${BASE_APPS} apps in Marathon, router in its own process`,
  );
  console.log(`  p50 ${fmt(at(0.5))}   p99 ${fmt(at(0.99))}   min ${fmt(at(0))}   max ${fmt(at(1))}`);
  console.log(
    `  of which event -> table in KV (watcher): p50 ${fmt(quantile(publishLatencies, 0.5))}   p99 ${fmt(quantile(publishLatencies, 0.99))}`,
  );
  console.log(`  target p99 < 100 ms: ${at(0.99) < 100 ? "met" : "MISSED"}`);
} finally {
  await router.stop();
  await watcher.stop();
  await marathon.close();
  await nats.stop();
  backend.close();
}
