// The read/compile side of bench/scale in one process, in seconds: hashTable and diffTables as
// the watcher runs them per publication, the KV reader's assembler and the router's TableStore
// on a table of 100,000 backends in 10,000 endpoints, full and after one change.
//
// How to run: `npm run build` at the root, then `node bench/scale/read-side.mjs`
// (ENDPOINTS, TASKS_PER_APP and ROUNDS may be set; defaults 10,000, 10 and 5). The table is the
// one bench/scale/run.mjs publishes (marathonApp apps translated by marathonAppsToSnapshot).

import { systemClock } from "@signalbox/backoff";
import { backendKey, codecs, endpointKey, META_KEY } from "@signalbox/bus";
import { compileTable, diffTables, hashTable, marathonAppsToSnapshot } from "@signalbox/route-model";
import { marathonApp } from "@signalbox/watcher/testing";
import { TableStore } from "../../apps/router/dist/table/table-store.js";
import { encodeEntry } from "../../libs/bus/dist/kv/route-entry.js";
import { createRouteTableAssembler } from "../../libs/bus/dist/kv/route-table-assembler.js";

const ENDPOINTS = Number(process.env.ENDPOINTS ?? 10_000);
const TASKS_PER_APP = Number(process.env.TASKS_PER_APP ?? 10);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

const apps = Array.from({ length: ENDPOINTS }, (_, i) =>
  marathonApp({
    id: `/scale/app${i}`,
    labels: { "signalbox.host": `app${i}.scale.test` },
    networking: "host",
    tasks: Array.from({ length: TASKS_PER_APP }, (_, t) => ({
      host: `10.${(i >> 8) & 255}.${i & 255}.${t + 1}`,
      port: 31_000 + t,
    })),
  }),
);
const snapshot = marathonAppsToSnapshot(apps, { now: 1_700_000_000_000 });
const endpoints = snapshot.endpoints.map(({ routes, ...endpoint }) => ({
  ...endpoint,
  routes: routes.map(({ key: _key, ...route }, n) => ({
    ...route,
    id: `route${String(n).padStart(3, "0")}`,
  })),
}));
const base = { version: 1, generatedAt: 1, endpoints, backends: snapshot.backends };

const time = (fn) => {
  const started = performance.now();
  const result = fn();
  return { ms: performance.now() - started, result };
};
const fmt = (ms) => `${ms.toFixed(1)} ms`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Table `round`: one backend's weight changed (a new object, as the watcher builds it). */
const changedTable = (prev, round) => {
  const k = (round * 7919) % prev.backends.length;
  const backends = prev.backends.slice();
  backends[k] = { ...backends[k], weight: 2 + round };
  return { table: { ...prev, version: prev.version + 1, backends }, id: backends[k].id };
};

console.log(`read side: ${endpoints.length} endpoints, ${base.backends.length} backends`);

// Watcher side, per publication.
console.log(`  hashTable cold (first sight of every entry): ${fmt(time(() => hashTable(base)).ms)}`);
console.log(`  hashTable same table again: ${fmt(time(() => hashTable(base)).ms)}`);
{
  const hash = [];
  const diff = [];
  let prev = base;
  for (let round = 0; round < ROUNDS; round++) {
    const { table } = changedTable(prev, round);
    hash.push(time(() => hashTable(table)).ms);
    diff.push(time(() => diffTables(prev, table)).ms);
    prev = table;
  }
  console.log(
    `  per publication of one change, median of ${ROUNDS}: hashTable ${fmt(median(hash))}, diffTables ${fmt(median(diff))}`,
  );
}

// compileTable on one change: from scratch, and from the previous compile with the changed ids.
{
  const full = [];
  const incremental = [];
  let prev = base;
  let compiled = compileTable(base, { random: Math.random });
  for (let round = 0; round < ROUNDS; round++) {
    const { table, id } = changedTable(prev, round);
    full.push(time(() => compileTable(table, { random: Math.random })).ms);
    const changed = { endpoints: [], backends: [id] };
    const step = time(() => compileTable(table, { random: Math.random }, { compiled, changed }));
    incremental.push(step.ms);
    compiled = step.result;
    prev = table;
  }
  console.log(
    `  compileTable after one change, median of ${ROUNDS}: full ${fmt(median(full))}, incremental ${fmt(median(incremental))}`,
  );
}

// KV reader: the assembler fed the written entries, then one change + meta.
const metaEntry = (table) => ({
  key: META_KEY,
  operation: "PUT",
  value: codecs.routesMeta.encode({
    version: table.version,
    hash: hashTable(table),
    generatedAt: table.generatedAt,
    endpointCount: table.endpoints.length,
    backendCount: table.backends.length,
  }),
});
const assembler = createRouteTableAssembler();
const feed = (entries) => {
  let out;
  for (const entry of entries) out = assembler.apply(entry) ?? out;
  return out;
};
const fullEntries = [
  ...base.endpoints.map((e) => ({ key: endpointKey(e.pattern), operation: "PUT", value: encodeEntry(e) })),
  ...base.backends.map((b) => ({ key: backendKey(b.id), operation: "PUT", value: encodeEntry(b) })),
  metaEntry(base),
];
const fullRead = time(() => feed(fullEntries));
console.log(`  reader: full table (decode ${fullEntries.length} entries + meta): ${fmt(fullRead.ms)}`);

// Router: TableStore.apply, full then one change (with the reader's changes).
const store = new TableStore({ clock: systemClock, random: Math.random });
const applied = (assembled) => store.apply(assembled.table, assembled.changes);
console.log(`  router apply full: ${fmt(time(() => applied(fullRead.result)).ms)}`);
{
  const read = [];
  const apply = [];
  let prev = base;
  for (let round = 0; round < ROUNDS; round++) {
    const { table, id } = changedTable(prev, round);
    const entries = [
      { key: backendKey(id), operation: "PUT", value: encodeEntry(table.backends.find((b) => b.id === id)) },
      metaEntry(table),
    ];
    const r = time(() => feed(entries));
    read.push(r.ms);
    if (r.result?.table.version !== table.version)
      throw new Error(`reader did not yield version ${table.version}`);
    apply.push(time(() => applied(r.result)).ms);
    if (store.current()?.version !== table.version) throw new Error(`router did not apply ${table.version}`);
    prev = table;
  }
  console.log(
    `  one change, median of ${ROUNDS}: reader (entry + meta) ${fmt(median(read))}, router apply ${fmt(median(apply))}`,
  );
}

// Router: changes to endpoints, through the reader. `prev` is the table the reader last yielded.
{
  let prev = store.current().compiled.table;
  const step = (table, entries) => {
    const r = feed([...entries, metaEntry(table)]);
    if (r?.table.version !== table.version) throw new Error(`reader did not yield version ${table.version}`);
    const ms = time(() => applied(r)).ms;
    prev = r.table;
    return ms;
  };
  const putEndpoint = (e) => ({ key: endpointKey(e.pattern), operation: "PUT", value: encodeEntry(e) });
  const putBackend = (b) => ({ key: backendKey(b.id), operation: "PUT", value: encodeEntry(b) });
  const weights = [];
  const deploys = [];
  for (let round = 0; round < ROUNDS; round++) {
    // A route's weight changes on one endpoint.
    const at = (round * 997) % prev.endpoints.length;
    const old = prev.endpoints[at];
    const changed = { ...old, routes: old.routes.map((r) => ({ ...r, weight: 50 + round })) };
    const endpoints = prev.endpoints.map((e, i) => (i === at ? changed : e));
    weights.push(step({ ...prev, version: prev.version + 1, endpoints }, [putEndpoint(changed)]));
    // A new app: one endpoint with its route and ten backends.
    const app = `/scale/new${round}`;
    const endpoint = {
      pattern: `new${round}.scale.test`,
      routes: [{ id: "route000", selector: `marathon.app=${app}`, weight: 100, strategy: "round-robin" }],
      filters: [],
    };
    const backends = Array.from({ length: 10 }, (_, t) => ({
      ...prev.backends[0],
      id: `new${round}.task-${t}:0`,
      service: app,
      address: `10.9.${round}.${t + 1}:31000`,
      labels: { "marathon.app": app, "marathon.port-index": "0" },
    }));
    deploys.push(
      step(
        {
          ...prev,
          version: prev.version + 1,
          endpoints: [...prev.endpoints, endpoint],
          backends: [...prev.backends, ...backends],
        },
        [putEndpoint(endpoint), ...backends.map(putBackend)],
      ),
    );
  }
  console.log(
    `  router apply, median of ${ROUNDS}: one endpoint's route weight ${fmt(median(weights))}, a new app (endpoint + 10 backends) ${fmt(median(deploys))}`,
  );
}
