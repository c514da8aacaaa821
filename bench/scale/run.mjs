// Scale (issue 4): a table of 100,000 backends in 10,000 endpoints. Measures the time for the
// watcher to publish it and a router to apply it, the router's memory for it, then one change
// end to end. Targets: full publish and apply < 2 s, one change < 50 ms.
//
// How to run: `npm run build` at the root, then `node --expose-gc bench/scale/run.mjs`
// (ENDPOINTS and TASKS_PER_APP may be set; defaults 10,000 and 10). Pieces: a private
// nats-server, the fake Marathon of @signalbox/watcher/testing holding ENDPOINTS apps of
// TASKS_PER_APP running tasks each, the watcher from apps/watcher/dist in this process and
// the router from apps/router/dist in a child process (../propagation/router-process.mjs).
// Marathon's API has no delta: every event means re-reading `/v2/apps`, so the Marathon
// figures include fetching and translating the whole app list; the same change fed to the
// table builder directly (`builder.update`, as the routes file or control API would) shows
// the publication path alone.

import { startNatsServer } from "@signalbox/bus/testing";
import { marathonAppsToSnapshot } from "@signalbox/route-model";
import { loadConfig, start } from "@signalbox/watcher";
import { marathonApp, startFakeMarathon } from "@signalbox/watcher/testing";
import { pino } from "pino";
import { epochMs, startRouterProcess } from "../propagation/router-process.mjs";

const ENDPOINTS = Number(process.env.ENDPOINTS ?? 10_000);
const TASKS_PER_APP = Number(process.env.TASKS_PER_APP ?? 10);

const appFor = (i, tasks = TASKS_PER_APP) =>
  marathonApp({
    id: `/scale/app${i}`,
    labels: { "signalbox.host": `app${i}.scale.test` },
    networking: "host",
    tasks: Array.from({ length: tasks }, (_, t) => ({
      host: `10.${(i >> 8) & 255}.${i & 255}.${t + 1}`,
      port: 31_000 + t,
    })),
  });

const fmt = (ms) => `${ms.toFixed(0)} ms`;
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const statusUpdate = (i) => ({
  slaveId: "scale-S1",
  taskId: `scale_app${i}.instance-x._app.1`,
  taskStatus: "TASK_RUNNING",
  message: "",
  appId: `/scale/app${i}`,
  host: "10.0.0.1",
  ipAddresses: [],
  ports: [31_000],
  version: "2021-03-01T10:00:00.000Z",
});

const nats = await startNatsServer();
const marathon = await startFakeMarathon({ keepAliveMs: 10_000 });
const apps = Array.from({ length: ENDPOINTS }, (_, i) => appFor(i));
marathon.apps = apps;
const router = await startRouterProcess(nats.url);
const emptyMemory = await router.memory();
let watcher;

try {
  // The Marathon share of the work, measured alone on the same apps.
  const text = JSON.stringify({ apps });
  let started = performance.now();
  const parsed = JSON.parse(text).apps;
  const parseMs = performance.now() - started;
  started = performance.now();
  const translated = marathonAppsToSnapshot(parsed, { now: Date.now() });
  const translateMs = performance.now() - started;

  // Full table: watcher start -> first table in KV -> router applied.
  const startedAt = epochMs();
  watcher = await start(
    loadConfig({
      NATS_URL: nats.url,
      MARATHON_URL: marathon.url,
      WATCHER_ADMIN_LISTEN: "127.0.0.1:0",
      LOG_LEVEL: "warn",
    }),
    { logger: pino({ level: "warn" }) },
  );
  let publishedAt = 0;
  watcher.builder.onTable(() => {
    publishedAt = epochMs();
  });
  while ((watcher.builder.current()?.version ?? 0) < 1) await new Promise((r) => setTimeout(r, 5));
  const table = watcher.builder.current();
  const appliedAt = await router.waitForVersion(table.version);
  const fullMemory = await router.memory();

  console.log(
    `scale: ${table.endpoints.length} endpoints, ${table.backends.length} backends (${ENDPOINTS} Marathon apps x ${TASKS_PER_APP} tasks)`,
  );
  console.log(
    `  /v2/apps body ${mb(text.length)}: JSON.parse ${fmt(parseMs)}, marathonAppsToSnapshot ${fmt(translateMs)} (${translated.backends.length} backends)`,
  );
  console.log(
    `  full: watcher start -> table in KV ${fmt(publishedAt - startedAt)}, -> router applied ${fmt(appliedAt - startedAt)} (target < 2000 ms: ${appliedAt - startedAt < 2000 ? "met" : "MISSED"})`,
  );
  console.log(
    `  router memory: heap ${mb(emptyMemory.heapUsed)} -> ${mb(fullMemory.heapUsed)}, rss ${mb(emptyMemory.rss)} -> ${mb(fullMemory.rss)}`,
  );

  // One change through Marathon: one more task for one app, then an event.
  const marathonChanges = [];
  for (let round = 0; round < 5; round++) {
    const i = round * 7;
    apps[i] = appFor(i, TASKS_PER_APP + 1 + round);
    marathon.apps = apps;
    const version = watcher.builder.current().version + 1;
    const applied = router.waitForVersion(version);
    const sentAt = epochMs();
    marathon.emit("status_update_event", statusUpdate(i));
    marathonChanges.push({ router: (await applied) - sentAt, kv: publishedAt - sentAt });
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(
    `  one change via Marathon (event -> refetch all apps -> router applied), median of 5: ${fmt(median(marathonChanges.map((c) => c.router)))} (table in KV at ${fmt(median(marathonChanges.map((c) => c.kv)))})`,
  );

  // One change fed to the builder directly: the publication path alone.
  const snapshot = marathonAppsToSnapshot(apps, { now: Date.now() });
  const builderChanges = [];
  for (let round = 0; round < 5; round++) {
    const backends = snapshot.backends.map((b, k) => (k === round ? { ...b, weight: 2 + round } : b));
    const version = watcher.builder.current().version + 1;
    const applied = router.waitForVersion(version);
    const sentAt = epochMs();
    watcher.builder.update({ ...snapshot, source: "marathon", backends });
    builderChanges.push({ router: (await applied) - sentAt, kv: publishedAt - sentAt });
  }
  const changeMs = median(builderChanges.map((c) => c.router));
  console.log(
    `  one change via the builder (snapshot -> table in KV -> router applied), median of 5: ${fmt(changeMs)} (table in KV at ${fmt(median(builderChanges.map((c) => c.kv)))}; target < 50 ms: ${changeMs < 50 ? "met" : "MISSED"})`,
  );
} finally {
  await router.stop();
  await watcher?.stop();
  await marathon.close();
  await nats.stop();
}
