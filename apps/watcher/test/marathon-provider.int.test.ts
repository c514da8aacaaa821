// The Marathon provider against a fake Marathon on loopback speaking the real wire
// formats; time (debounce, back-off, deadlines, staleness) runs on a ManualClock.

import { createServer } from "node:net";
import { ManualClock } from "@signalbox/backoff/testing";
import { captureLogger } from "@signalbox/bus/testing";
import { afterEach, describe, expect, it } from "vitest";
import { parseMasters } from "../src/config.js";
import { createWatcherMetrics } from "../src/metrics.js";
import { RELOAD_EVENTS } from "../src/providers/marathon/event-stream.js";
import {
  createMarathonProvider,
  type MarathonProviderOptions,
} from "../src/providers/marathon/marathon-provider.js";
import type { ProviderSnapshot } from "../src/providers/provider.js";
import { type FakeMarathon, frameEvent, startFakeMarathon } from "../src/testing/fake-marathon.js";
import { manyApps, marathonApp } from "../src/testing/marathon-apps.js";
import { driveUntil, realDelay } from "./drive-clock.js";
import { ignoredEvents, reloadEvents } from "./fixtures/marathon-events.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fakeMarathon(opts: Parameters<typeof startFakeMarathon>[0] = {}): Promise<FakeMarathon> {
  const fake = await startFakeMarathon(opts);
  cleanups.push(() => fake.close());
  return fake;
}

function runProvider(marathonUrl: string, overrides: Partial<MarathonProviderOptions> = {}) {
  const clock = new ManualClock(1_700_000_000_000);
  const log = captureLogger();
  const metrics = createWatcherMetrics();
  const snapshots: ProviderSnapshot[] = [];
  const controller = new AbortController();
  const provider = createMarathonProvider({
    masters: parseMasters(marathonUrl),
    clock,
    random: () => 0.5,
    logger: log.logger,
    metrics,
    resyncMs: 300_000,
    staleStreamMs: 30_000,
    debounceMs: 50,
    timeoutMs: 2_000,
    ...overrides,
  });
  const done = provider.run((snapshot) => snapshots.push(snapshot), controller.signal);
  cleanups.push(async () => {
    controller.abort();
    await done;
  });
  const last = () => snapshots.at(-1);
  return { clock, log, metrics, snapshots, last };
}

const shopApp = (tasks = 2) =>
  marathonApp({ id: "/shop/web", labels: { "signalbox.host": "shop.test" }, tasks: Array(tasks).fill({}) });

async function metricValue(metrics: ReturnType<typeof createWatcherMetrics>, name: string, labels = "") {
  const text = await metrics.registry.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

describe("Marathon provider", () => {
  it("asks for exactly text/event-stream, filters to routing events and fetches /v2/apps once on attach", async () => {
    const fake = await fakeMarathon();
    fake.apps = [shopApp()];
    const run = runProvider(fake.url);
    await driveUntil(run.clock, () => run.snapshots.length === 1, "first snapshot");
    await driveUntil(run.clock, () => false, "settling", { timeoutMs: 100 }).catch(() => undefined);

    expect(fake.eventRequests[0]?.headers.accept).toBe("text/event-stream");
    const query = new URL(fake.eventRequests[0]?.url ?? "", "http://x").searchParams.getAll("event_type");
    expect(query.sort()).toEqual([...RELOAD_EVENTS].sort());
    expect(fake.appsRequests.map((r) => r.url)).toEqual(["/v2/apps?embed=apps.tasks"]);
    const snapshot = run.last();
    expect(snapshot?.source).toBe("marathon");
    expect(snapshot?.endpoints.map((e) => e.pattern)).toEqual(["shop.test"]);
    expect(snapshot?.endpoints[0]?.routes.map((r) => r.key)).toEqual(["marathon:/shop/web:0"]);
    expect(snapshot?.backends.map((b) => b.address)).toEqual(["10.0.1.12:31000", "10.0.1.12:31001"]);
  });

  it.each(Object.keys(reloadEvents))("reloads on %s", async (eventType) => {
    const fake = await fakeMarathon();
    fake.apps = [shopApp(1)];
    const run = runProvider(fake.url);
    await driveUntil(run.clock, () => run.snapshots.length === 1, "first snapshot");
    fake.apps = [shopApp(3)];
    fake.emit(eventType, reloadEvents[eventType]);
    await driveUntil(run.clock, () => run.last()?.backends.length === 3, `reload after ${eventType}`);
    expect(fake.appsRequests).toHaveLength(2);
    expect(
      await metricValue(run.metrics, "signalbox_watcher_marathon_events_total", `type="${eventType}"`),
    ).toBeGreaterThanOrEqual(1);
  });

  it("does not reload on keep-alives, ignored events or garbage lines, but keep-alives reset the stream age", async () => {
    const fake = await fakeMarathon();
    fake.apps = [shopApp()];
    const run = runProvider(fake.url);
    await driveUntil(run.clock, () => run.snapshots.length === 1, "first snapshot");
    run.clock.advance(20_000);
    expect(
      await metricValue(run.metrics, "signalbox_watcher_marathon_stream_age_seconds"),
    ).toBeGreaterThanOrEqual(20);

    await fake.keepAlive();
    await fake.keepAlive();
    for (const [type, payload] of Object.entries(ignoredEvents)) fake.writeRaw(frameEvent(type, payload));
    fake.writeRaw("this is not SSE\r\n:comment\r\ndata\r\n\r\n");
    await realDelay(50);
    await driveUntil(run.clock, () => false, "nothing", { timeoutMs: 100 }).catch(() => undefined);

    expect(fake.appsRequests).toHaveLength(1);
    expect(await metricValue(run.metrics, "signalbox_watcher_marathon_stream_age_seconds")).toBeLessThan(5);
    // Ignored event types are counted under one label, never by their (stranger-chosen) names;
    // the garbage's bare `data` line is one nameless event too.
    expect(await metricValue(run.metrics, "signalbox_watcher_marathon_events_total", 'type="other"')).toBe(
      Object.keys(ignoredEvents).length + 1,
    );
    expect(run.log.find("unparsable line").length).toBeGreaterThan(0);
    // The stream still works after all of that.
    fake.emit("status_update_event", reloadEvents.status_update_event);
    await driveUntil(run.clock, () => fake.appsRequests.length === 2, "reload after garbage");
  });

  it("fetches at once for an isolated event and folds a burst behind it into one more fetch", async () => {
    const fake = await fakeMarathon();
    fake.apps = [shopApp()];
    const run = runProvider(fake.url);
    await driveUntil(run.clock, () => run.snapshots.length === 1, "first snapshot");
    run.clock.advance(1_000);
    for (let i = 0; i < 50; i++) fake.emit("status_update_event", reloadEvents.status_update_event);
    await driveUntil(run.clock, () => fake.appsRequests.length === 2, "leading fetch", { stepMs: 0 });
    await driveUntil(run.clock, () => fake.appsRequests.length === 3, "trailing fetch");
    await driveUntil(run.clock, () => false, "settling", { timeoutMs: 100 }).catch(() => undefined);
    expect(fake.appsRequests).toHaveLength(3);
  });

  it("keeps the last good app list through a 500, a malformed answer and a timeout", async () => {
    const fake = await fakeMarathon();
    fake.apps = [shopApp(2)];
    const run = runProvider(fake.url);
    await driveUntil(run.clock, () => run.snapshots.length === 1, "first snapshot");
    fake.apps = [];

    fake.answerApps({ status: 500, body: '{"message":"boom"}' });
    fake.emit("status_update_event", reloadEvents.status_update_event);
    await driveUntil(run.clock, () => fake.appsRequests.length === 2, "500 fetch");
    fake.answerApps({ body: '{"apps": [ {"id": "/trunc' });
    fake.emit("status_update_event", reloadEvents.status_update_event);
    await driveUntil(run.clock, () => fake.appsRequests.length === 3, "malformed fetch");
    fake.answerApps({ body: '{"message": "not a list"}' });
    fake.emit("status_update_event", reloadEvents.status_update_event);
    await driveUntil(run.clock, () => fake.appsRequests.length === 4, "no-apps fetch");
    fake.answerApps({ delayMs: 3_000 });
    fake.emit("status_update_event", reloadEvents.status_update_event);
    await driveUntil(run.clock, () => fake.appsRequests.length === 5, "slow fetch");
    run.clock.advance(2_000);
    await driveUntil(
      run.clock,
      () => run.log.find("keeping the last good app list").length === 4,
      "4 failures",
      {
        stepMs: 1,
      },
    );

    expect(run.snapshots).toHaveLength(1);
    expect(
      await metricValue(run.metrics, "signalbox_watcher_marathon_fetches_total", 'result="failed"'),
    ).toBe(4);
    const reasons = run.log.find("keeping the last good app list").map((line) => String(line.reason));
    expect(reasons[0]).toContain("status 500");
    expect(reasons[1]).toContain("malformed JSON");
    expect(reasons[2]).toContain('no "apps" array');
    expect(reasons[3]).toContain("no answer within 2000 ms");
  });

  it("replaces a non-empty app list with an empty one only once it was seen twice in a row", async () => {
    const fake = await fakeMarathon();
    fake.apps = [shopApp()];
    const run = runProvider(fake.url, { confirmEmptyMs: 2_000 });
    await driveUntil(run.clock, () => run.snapshots.length === 1, "first snapshot");
    fake.apps = [];
    fake.emit("app_terminated_event", reloadEvents.app_terminated_event);
    await driveUntil(run.clock, () => fake.appsRequests.length === 2, "first empty answer");
    await realDelay(20);
    expect(run.snapshots).toHaveLength(1);
    expect(run.log.find("holding the last list")).toHaveLength(1);
    // The confirming fetch comes by itself after confirmEmptyMs.
    await driveUntil(run.clock, () => run.snapshots.length === 2, "confirmed empty", { stepMs: 100 });
    expect(run.last()?.endpoints).toEqual([]);
    expect(run.last()?.backends).toEqual([]);
  });

  it("holds a first answer of no apps until a second one confirms it", async () => {
    const fake = await fakeMarathon();
    const run = runProvider(fake.url, { confirmEmptyMs: 2_000 });
    await driveUntil(run.clock, () => fake.appsRequests.length === 1, "first fetch");
    await realDelay(20);
    expect(run.snapshots).toHaveLength(0);
    await driveUntil(run.clock, () => run.snapshots.length === 1, "confirmed empty", { stepMs: 100 });
    expect(fake.appsRequests).toHaveLength(2);
    expect(run.last()?.endpoints).toEqual([]);
  });

  it("skips an app with broken labels with a warning naming the app and the label; the rest stands", async () => {
    const fake = await fakeMarathon();
    fake.apps = [
      shopApp(),
      marathonApp({
        id: "/broken/app",
        labels: { "signalbox.host": "broken.test", "signalbox.weight": "abc" },
        tasks: [{}],
      }),
    ];
    const run = runProvider(fake.url);
    await driveUntil(run.clock, () => run.snapshots.length === 1, "first snapshot");
    const snapshot = run.last();
    expect(snapshot?.endpoints.map((e) => e.pattern)).toEqual(["shop.test"]);
    expect(snapshot?.warnings).toHaveLength(1);
    expect(snapshot?.warnings[0]).toContain("/broken/app");
    expect(snapshot?.warnings[0]).toContain("signalbox.weight");
    expect(run.log.find("Marathon app skipped")[0]?.warning).toContain("/broken/app");
  });

  it("reconnects after a dropped stream and fetches again", async () => {
    const fake = await fakeMarathon();
    fake.apps = [shopApp()];
    const run = runProvider(fake.url);
    await driveUntil(run.clock, () => run.snapshots.length === 1, "first snapshot");
    fake.dropStreams();
    await driveUntil(
      run.clock,
      () => fake.eventRequests.length === 2 && fake.openStreams() === 1,
      "reconnect",
    );
    await driveUntil(run.clock, () => fake.appsRequests.length === 2, "fetch after reconnect");
    expect(run.log.find("event stream closed")).toHaveLength(1);
    expect(await metricValue(run.metrics, "signalbox_watcher_marathon_stream_reconnects_total", "")).toBe(1);
  });

  it("reconnects with back-off while /v2/events answers 500, then recovers", async () => {
    const fake = await fakeMarathon();
    fake.apps = [shopApp()];
    fake.failEvents(3, 500);
    const run = runProvider(fake.url, { backoff: { baseMs: 100, capMs: 1_000 } });
    const started = run.clock.now();
    await driveUntil(run.clock, () => run.snapshots.length === 1, "snapshot after the 500s");
    const closed = run.log.find("event stream closed");
    expect(closed).toHaveLength(3);
    for (const line of closed) expect(line.reason).toContain("status 500");
    // Full jitter at 0.5: waits of 50, 100 and 200 ms before the 2nd, 3rd and 4th attempts.
    expect(run.clock.now() - started).toBeGreaterThanOrEqual(350);
    expect(fake.eventRequests).toHaveLength(4);
  });

  it("sends user:password from MARATHON_URL as basic auth on the stream and /v2/apps", async () => {
    const fake = await fakeMarathon({ credentials: "ops:s3cret" });
    fake.apps = [shopApp()];
    const run = runProvider(fake.url.replace("http://", "http://ops:s3cret@"));
    await driveUntil(run.clock, () => run.snapshots.length === 1, "first snapshot");
    const expected = `Basic ${Buffer.from("ops:s3cret").toString("base64")}`;
    expect(fake.eventRequests[0]?.headers.authorization).toBe(expected);
    expect(fake.appsRequests[0]?.headers.authorization).toBe(expected);
  });

  it("tries the masters in turn when the first one is down", async () => {
    const down = await closedPort();
    const fake = await fakeMarathon();
    fake.apps = [shopApp()];
    const run = runProvider(`http://127.0.0.1:${down},${fake.url}`);
    await driveUntil(run.clock, () => run.snapshots.length === 1, "snapshot from the second master");
    expect(run.log.find("event stream closed")[0]?.reason).toContain("ECONNREFUSED");
  });

  it("follows a standby's redirect to the leader and fetches from the leader", async () => {
    const leader = await fakeMarathon();
    leader.apps = [shopApp()];
    const standby = await fakeMarathon({ redirectTo: leader.url });
    const run = runProvider(standby.url);
    await driveUntil(run.clock, () => run.snapshots.length === 1, "snapshot via the leader");
    expect(standby.eventRequests).toHaveLength(1);
    expect(leader.eventRequests).toHaveLength(1);
    expect(leader.appsRequests).toHaveLength(1);
    expect(standby.appsRequests).toHaveLength(0);
  });

  it("warns and reconnects when the stream is silent past the bound", async () => {
    const fake = await fakeMarathon();
    fake.apps = [shopApp()];
    const run = runProvider(fake.url, { staleStreamMs: 30_000 });
    await driveUntil(run.clock, () => run.snapshots.length === 1, "first snapshot");
    run.clock.advance(25_000);
    expect(run.log.find("silent past the bound")).toHaveLength(0);
    run.clock.advance(20_000);
    expect(run.log.find("silent past the bound")).toHaveLength(1);
    await driveUntil(run.clock, () => fake.eventRequests.length === 2, "reconnect after staleness");
  });

  it("resyncs /v2/apps periodically without any event", async () => {
    const fake = await fakeMarathon();
    fake.apps = [shopApp(1)];
    const run = runProvider(fake.url, { resyncMs: 60_000 });
    await driveUntil(run.clock, () => run.snapshots.length === 1, "first snapshot");
    fake.apps = [shopApp(2)];
    await fake.keepAlive();
    run.clock.advance(59_000);
    await realDelay(20);
    expect(fake.appsRequests).toHaveLength(1);
    await driveUntil(run.clock, () => run.last()?.backends.length === 2, "resync", { stepMs: 500 });
  });

  it("translates 1,000 apps x 3 tasks", async () => {
    const fake = await fakeMarathon();
    fake.apps = manyApps(1_000, 3);
    const run = runProvider(fake.url);
    const started = Date.now();
    await driveUntil(run.clock, () => run.snapshots.length === 1, "big snapshot", { timeoutMs: 10_000 });
    expect(run.last()?.endpoints).toHaveLength(1_000);
    expect(run.last()?.backends).toHaveLength(3_000);
    expect(run.last()?.warnings).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
