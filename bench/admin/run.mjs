// How long the router's admin answers block its event loop (which is also the data plane's) at
// 100,000 backends in 10,000 endpoints: /routes (the whole table) and /explain?url= (one URL).
//
// How to run: `npm run build` at the root, then `node bench/admin/run.mjs` (ENDPOINTS, TASKS and
// ROUNDS may be set; defaults 10,000, 10 and 5). The router's admin server runs in this process on
// a TableStore holding the table; curl (a separate process, so the client's parsing does not count)
// fetches each URL while perf_hooks' event-loop delay monitor records the longest stall of this
// process's loop. Printed: per URL the median over ROUNDS of that longest stall, of the response
// time and the bytes sent. A request routed meanwhile waits at least as long as the stall.
import { execFile } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { promisify } from "node:util";
import { systemClock } from "@signalbox/backoff";
import { startRouterAdmin } from "../../apps/router/dist/admin/admin-server.js";
import { BackendStats } from "../../apps/router/dist/backend-stats.js";
import { Connections } from "../../apps/router/dist/connections.js";
import { RouterMetrics } from "../../apps/router/dist/metrics.js";
import { TableStore } from "../../apps/router/dist/table/table-store.js";

const ENDPOINTS = Number(process.env.ENDPOINTS ?? 10_000);
const TASKS = Number(process.env.TASKS ?? 10);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const run = promisify(execFile);

const endpoints = Array.from({ length: ENDPOINTS }, (_, i) => ({
  pattern: `app${i}.scale.test`,
  routes: [{ id: "route000", selector: `app=app${i}`, weight: 100, strategy: "round-robin" }],
  filters: [],
}));
const backends = [];
for (let i = 0; i < ENDPOINTS; i++) {
  for (let t = 0; t < TASKS; t++) {
    backends.push({
      id: `app${i}.task${t}:0`,
      service: `/scale/app${i}`,
      address: `10.${(i >> 8) & 255}.${i & 255}.${t + 1}:${31_000 + t}`,
      labels: { app: `app${i}`, "marathon.app": `/scale/app${i}` },
      state: "up",
      source: "marathon",
      connectedAt: 1,
    });
  }
}
backends.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
const tables = new TableStore({ clock: systemClock, random: Math.random });
tables.apply({ version: 1, generatedAt: 1, endpoints, backends });
const stats = new BackendStats({
  clock: systemClock,
  ejectAfterFailures: 5,
  ejectCooldownMs: 10_000,
  slowStartMs: 0,
  healthTtlMs: 15_000,
});
const metrics = new RouterMetrics({ stats, tables, connections: new Connections() });
const admin = await startRouterAdmin(
  { host: "127.0.0.1", port: 0 },
  { tables, stats, metrics, isDraining: () => false },
);
const base = `http://127.0.0.1:${admin.address.port}`;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measure(path) {
  const stalls = [];
  const times = [];
  let bytes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const { stdout } = await run("curl", [
      "-sS",
      "-o",
      "/dev/null",
      "-w",
      "%{size_download} %{time_total}",
      `${base}${path}`,
    ]);
    delay.disable();
    const [size, seconds] = stdout.trim().split(" ").map(Number);
    bytes = size;
    stalls.push(delay.max / 1e6);
    times.push(seconds * 1000);
  }
  return { stallMs: median(stalls), responseMs: median(times), bytes };
}

console.log(`admin: ${ENDPOINTS} endpoints, ${backends.length} backends, ${ROUNDS} rounds, medians`);
console.log("| URL | longest event-loop stall | response time | bytes |");
console.log("|---|---|---|---|");
for (const path of ["/routes", `/explain?url=${encodeURIComponent("http://app4242.scale.test/x")}`]) {
  const { stallMs, responseMs, bytes } = await measure(path);
  console.log(
    `| ${path.split("?")[0]} | ${stallMs.toFixed(1)} ms | ${responseMs.toFixed(0)} ms | ${(bytes / 1e6).toFixed(1)} MB |`,
  );
}
await admin.stop();
