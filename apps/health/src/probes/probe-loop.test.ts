import { ManualClock } from "@signalbox/backoff/testing";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { ServingStatus } from "../status/backend-verdict.js";
import { createConcurrencyLimiter } from "./concurrency-limiter.js";
import type { WatchEnd, WatchFollower } from "./grpc-watch.js";
import { createProbeLoop, type ProbeLoopOptions } from "./probe-loop.js";
import type { Probe, ProbeResult, ProbeTarget } from "./probe-target.js";

const logger = pino({ level: "silent" });
const flush = () => new Promise((resolve) => setImmediate(resolve));

function target(id: string, over: Partial<ProbeTarget> = {}): ProbeTarget {
  return {
    id,
    service: "/shop",
    address: `10.0.0.1:${id.length}`,
    kind: "http",
    httpPath: "/",
    grpcService: "",
    heldOut: false,
    ...over,
  };
}

/** A probe whose answers the test scripts: `next` results per backend, a pass when none is set. */
function scriptedProbe() {
  const answers = new Map<string, boolean[]>();
  const calls: { id: string; atMs: number }[] = [];
  let clock: ManualClock | undefined;
  const probe: Probe = async (t) => {
    calls.push({ id: t.id, atMs: clock?.now() ?? 0 });
    const passed = answers.get(t.id)?.shift() ?? true;
    return passed ? { ok: true } : { ok: false, reason: "scripted failure" };
  };
  return { probe, calls, answers, bind: (c: ManualClock) => (clock = c) };
}

function setup(over: Partial<ProbeLoopOptions> = {}) {
  const clock = new ManualClock(0);
  const scripted = scriptedProbe();
  scripted.bind(clock);
  const statuses: [string, ServingStatus | undefined][] = [];
  const results: [string, ProbeResult][] = [];
  const noWatch: WatchFollower = async () => ({ kind: "unimplemented" });
  const loop = createProbeLoop({
    clock,
    random: () => 0.5,
    limiter: createConcurrencyLimiter(64),
    probes: { http: scripted.probe, tcp: scripted.probe, grpc: scripted.probe },
    watch: noWatch,
    intervalMs: 1000,
    timeoutMs: 200,
    thresholds: { rise: 2, fall: 3 },
    onStatus: (t, status) => statuses.push([t.id, status]),
    onResult: (t, result) => results.push([t.id, result]),
    logger,
    ...over,
  });
  return { clock, loop, statuses, results, ...scripted };
}

async function tick(clock: ManualClock, ms: number) {
  clock.advance(ms);
  await flush();
}

describe("createProbeLoop", () => {
  it("probes a new target at once, then every interval", async () => {
    const { clock, loop, calls, statuses } = setup();
    loop.setTargets([target("a")]);
    await flush();
    expect(calls).toEqual([{ id: "a", atMs: 0 }]);
    expect(statuses).toEqual([["a", "SERVING"]]);
    await tick(clock, 999);
    expect(calls).toHaveLength(1);
    await tick(clock, 1);
    await tick(clock, 1000);
    expect(calls.map((call) => call.atMs)).toEqual([0, 1000, 2000]);
    loop.stop();
    expect(clock.pending()).toBe(0);
  });

  it("jitters the interval by +/-10%", async () => {
    const low = setup({ random: () => 0 });
    low.loop.setTargets([target("a")]);
    await flush();
    await tick(low.clock, 900);
    expect(low.calls.map((call) => call.atMs)).toEqual([0, 900]);
    low.loop.stop();
    const high = setup({ random: () => 0.999999 });
    high.loop.setTargets([target("a")]);
    await flush();
    await tick(high.clock, 1099);
    expect(high.calls).toHaveLength(1);
    await tick(high.clock, 1);
    expect(high.calls).toHaveLength(2);
    high.loop.stop();
  });

  it("flips to NOT_SERVING after `fall` failures and back after `rise` passes", async () => {
    const { clock, loop, statuses, answers } = setup();
    answers.set("a", [true, false, false, false, true, true]);
    loop.setTargets([target("a")]);
    await flush();
    for (let i = 0; i < 5; i += 1) await tick(clock, 1000);
    expect(statuses).toEqual([
      ["a", "SERVING"],
      ["a", "NOT_SERVING"],
      ["a", "SERVING"],
    ]);
    loop.stop();
  });

  it("fails a probe that does not answer within the timeout", async () => {
    const hanging: Probe = (_t, signal) =>
      new Promise((resolve) =>
        signal.addEventListener("abort", () => resolve({ ok: false, reason: "aborted" })),
      );
    const { clock, loop, results } = setup({ probes: { http: hanging, tcp: hanging, grpc: hanging } });
    loop.setTargets([target("a")]);
    await flush();
    expect(results).toEqual([]);
    await tick(clock, 200);
    expect(results).toEqual([["a", { ok: false, reason: "aborted" }]]);
    loop.stop();
  });

  it("keeps probes in flight within the concurrency bound", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const pending: (() => void)[] = [];
    const slow: Probe = () =>
      new Promise((resolve) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        pending.push(() => {
          inFlight -= 1;
          resolve({ ok: true });
        });
      });
    const { loop, results } = setup({
      limiter: createConcurrencyLimiter(3),
      probes: { http: slow, tcp: slow, grpc: slow },
      timeoutMs: 60_000,
    });
    loop.setTargets(Array.from({ length: 10 }, (_, i) => target(`b${i}`)));
    while (results.length < 10) {
      await flush();
      expect(inFlight).toBeLessThanOrEqual(3);
      pending.shift()?.();
    }
    expect(maxInFlight).toBe(3);
    expect(new Set(results.map(([id]) => id)).size).toBe(10);
    loop.stop();
  });

  it("stops probing a removed target and aborts its probe in flight", async () => {
    let aborted = false;
    const hanging: Probe = (_t, signal) =>
      new Promise((resolve) =>
        signal.addEventListener("abort", () => {
          aborted = true;
          resolve({ ok: false, reason: "aborted" });
        }),
      );
    const { clock, loop, statuses } = setup({ probes: { http: hanging, tcp: hanging, grpc: hanging } });
    loop.setTargets([target("a")]);
    await flush();
    loop.setTargets([]);
    await flush();
    expect(aborted).toBe(true);
    expect(loop.size).toBe(0);
    expect(statuses).toEqual([]);
    expect(clock.pending()).toBe(0);
  });

  it("restarts a target whose address changed, clearing its status first", async () => {
    const { loop, statuses, calls } = setup();
    loop.setTargets([target("a", { address: "10.0.0.1:80" })]);
    await flush();
    loop.setTargets([target("a", { address: "10.0.0.1:80", heldOut: true })]);
    await flush();
    expect(calls).toHaveLength(1);
    loop.setTargets([target("a", { address: "10.0.0.2:80" })]);
    await flush();
    expect(calls).toHaveLength(2);
    expect(statuses).toEqual([
      ["a", "SERVING"],
      ["a", undefined],
      ["a", "SERVING"],
    ]);
    loop.stop();
  });

  it("holds a healthRequire target out until its first pass", async () => {
    const { clock, loop, statuses, answers } = setup();
    answers.set("a", [false, true]);
    loop.setTargets([target("a", { heldOut: true })]);
    await flush();
    await tick(clock, 1000);
    expect(statuses).toEqual([
      ["a", "NOT_SERVING"],
      ["a", "SERVING"],
    ]);
    loop.stop();
  });
});

describe("createProbeLoop with gRPC Watch", () => {
  /** A Watch the test drives: `push` a status, `end` the stream. */
  function scriptedWatch() {
    const streams: { push(status: ServingStatus): void; end(result: WatchEnd): void; signal: AbortSignal }[] =
      [];
    const watch: WatchFollower = (_t, onStatus, signal) =>
      new Promise((resolve) => {
        const stream = { push: onStatus, end: resolve, signal };
        streams.push(stream);
        signal.addEventListener("abort", () => resolve({ kind: "ended", reason: "aborted" }));
      });
    return { watch, streams };
  }

  it("applies each pushed status at once, without polling", async () => {
    const { watch, streams } = scriptedWatch();
    const { clock, loop, statuses, calls } = setup({ watch, timeoutMs: 200 });
    loop.setTargets([target("g", { kind: "grpc" })]);
    await flush();
    streams[0]?.push("SERVING");
    streams[0]?.push("NOT_SERVING");
    await tick(clock, 5000);
    streams[0]?.push("SERVING");
    expect(statuses).toEqual([
      ["g", "SERVING"],
      ["g", "NOT_SERVING"],
      ["g", "SERVING"],
    ]);
    expect(calls).toEqual([]);
    expect(streams).toHaveLength(1);
    loop.stop();
    expect(streams[0]?.signal.aborted).toBe(true);
  });

  it("counts a broken stream as a failed probe and opens it again an interval later", async () => {
    const { watch, streams } = scriptedWatch();
    const { clock, loop, statuses } = setup({ watch, timeoutMs: 200 });
    loop.setTargets([target("g", { kind: "grpc" })]);
    await flush();
    streams[0]?.push("SERVING");
    for (let i = 0; i < 3; i += 1) {
      streams[i]?.end({ kind: "ended", reason: "UNAVAILABLE" });
      await flush();
      await tick(clock, 1000);
    }
    expect(streams).toHaveLength(4);
    expect(statuses).toEqual([
      ["g", "SERVING"],
      ["g", "NOT_SERVING"],
    ]);
    streams[3]?.push("SERVING");
    expect(statuses.at(-1)).toEqual(["g", "SERVING"]);
    loop.stop();
  });

  it("fails a stream that sends nothing within the timeout", async () => {
    const { watch, streams } = scriptedWatch();
    const { clock, loop, results } = setup({ watch, timeoutMs: 200 });
    loop.setTargets([target("g", { kind: "grpc" })]);
    await flush();
    await tick(clock, 200);
    expect(streams[0]?.signal.aborted).toBe(true);
    expect(results).toEqual([["g", { ok: false, reason: "aborted" }]]);
    loop.stop();
  });

  it("falls back to Check polling when the backend answers UNIMPLEMENTED", async () => {
    const { watch, streams } = scriptedWatch();
    const { clock, loop, calls, statuses } = setup({ watch });
    loop.setTargets([target("g", { kind: "grpc" })]);
    await flush();
    streams[0]?.end({ kind: "unimplemented" });
    await flush();
    await tick(clock, 1000);
    expect(calls.map((call) => call.atMs)).toEqual([0, 1000]);
    expect(streams).toHaveLength(1);
    expect(statuses).toEqual([["g", "SERVING"]]);
    loop.stop();
  });
});
