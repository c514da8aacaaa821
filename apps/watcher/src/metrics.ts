// The watcher's Prometheus metrics on its own Registry (never the global one, so a
// test can run several watchers in one process).
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export interface WatcherMetrics {
  readonly registry: Registry;
  /** Seconds since the Marathon stream last sent anything (event or keep-alive). */
  observeStreamAge(read: () => number | undefined): void;
  /** Entries of signalbox-routes the watcher's reads skipped (SkippedKeys.total). */
  observeSkippedKeys(read: () => number): void;
  /** The stream age as the gauge reads it (undefined without a Marathon provider). */
  streamAgeSeconds(): number | undefined;
  readonly marathonFetches: Counter<"result">;
  readonly marathonApps: Gauge;
  readonly streamReconnects: Counter;
  /** Marathon events by type: the routing types by name, anything else as `other` (bounded labels). */
  readonly marathonEvents: Counter<"type">;
  readonly providerWarnings: Gauge<"source">;
  readonly routesFileLoads: Counter<"result">;
  readonly tableVersion: Gauge;
  readonly tableBuilds: Counter<"result">;
  readonly publishSeconds: Histogram;
  readonly leader: Gauge;
}

export function createWatcherMetrics(): WatcherMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: "watcher" });
  const registers = [registry];
  let readStreamAge: () => number | undefined = () => undefined;
  let readSkippedKeys = () => 0;
  new Counter({
    name: "signalbox_watcher_kv_skipped_entries_total",
    help: "signalbox-routes entries skipped: a value that does not decode or a key outside the schema",
    registers,
    collect() {
      this.reset();
      this.inc(readSkippedKeys());
    },
  });
  new Gauge({
    name: "signalbox_watcher_marathon_stream_age_seconds",
    help: "Seconds since the Marathon event stream last sent an event or keep-alive",
    registers,
    collect() {
      const age = readStreamAge();
      if (age !== undefined) this.set(age);
    },
  });
  return {
    registry,
    observeStreamAge(read) {
      readStreamAge = read;
    },
    observeSkippedKeys(read) {
      readSkippedKeys = read;
    },
    streamAgeSeconds: () => readStreamAge(),
    marathonFetches: new Counter({
      name: "signalbox_watcher_marathon_fetches_total",
      help: "/v2/apps fetches by result: ok, failed, held-empty",
      labelNames: ["result"],
      registers,
    }),
    marathonApps: new Gauge({
      name: "signalbox_watcher_marathon_apps",
      help: "Apps in the last good /v2/apps answer",
      registers,
    }),
    streamReconnects: new Counter({
      name: "signalbox_watcher_marathon_stream_reconnects_total",
      help: "Marathon event stream connection attempts after the first",
      registers,
    }),
    marathonEvents: new Counter({
      name: "signalbox_watcher_marathon_events_total",
      help: "Marathon events received, by type (the routing types; any other is `other`)",
      labelNames: ["type"],
      registers,
    }),
    providerWarnings: new Gauge({
      name: "signalbox_watcher_provider_warnings",
      help: "Warnings in each source's latest snapshot (skipped apps, bad labels)",
      labelNames: ["source"],
      registers,
    }),
    routesFileLoads: new Counter({
      name: "signalbox_watcher_routes_file_loads_total",
      help: "Routes file reads by result: ok, invalid, missing",
      labelNames: ["result"],
      registers,
    }),
    tableVersion: new Gauge({
      name: "signalbox_watcher_table_version",
      help: "Version of the last route table this watcher published or resumed from",
      registers,
    }),
    tableBuilds: new Counter({
      name: "signalbox_watcher_table_builds_total",
      help: "Table rebuilds by result: published, unchanged, standby, waiting, failed",
      labelNames: ["result"],
      registers,
    }),
    publishSeconds: new Histogram({
      name: "signalbox_watcher_publish_seconds",
      help: "Time to write a changed table to KV and announce it",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    leader: new Gauge({
      name: "signalbox_watcher_leader",
      help: "1 while this watcher holds the leader lease",
      registers,
    }),
  };
}
