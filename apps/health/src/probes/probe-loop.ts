// Runs the probes: every target on its own jittered interval, through the concurrency limiter,
// each result folded into the backend's rise/fall state; gRPC targets are followed by Watch.
import type { Clock, TimerHandle } from "@signalbox/backoff";
import type { Logger } from "pino";
import {
  applyProbeResult,
  applyPushedStatus,
  initialProbeVerdict,
  type ProbeVerdictState,
  type ServingStatus,
  type Thresholds,
} from "../status/backend-verdict.js";
import type { ConcurrencyLimiter } from "./concurrency-limiter.js";
import type { WatchFollower } from "./grpc-watch.js";
import {
  isSameProbe,
  type Probe,
  type ProbeKind,
  type ProbeResult,
  type ProbeTarget,
} from "./probe-target.js";

export interface ProbeLoopOptions {
  clock: Clock;
  /** In [0, 1): spreads each interval by +/-10%, so probes do not move in lockstep. */
  random: () => number;
  limiter: ConcurrencyLimiter;
  /** One-shot probes per kind; `grpc` is Check, used when a backend has no Watch. */
  probes: Record<ProbeKind, Probe>;
  /** gRPC targets are followed through their own Watch stream first. */
  watch: WatchFollower;
  intervalMs: number;
  timeoutMs: number;
  thresholds: Thresholds;
  /** The probe status of a target changed (undefined: a new probe of the backend restarts). */
  onStatus(target: ProbeTarget, status: ServingStatus | undefined, reason: string | undefined): void;
  /** Each probe's outcome (a Watch message counts as a pass), for metrics. */
  onResult?(target: ProbeTarget, result: ProbeResult, durationMs: number): void;
  logger: Logger;
}

export interface ProbeLoop {
  /** Starts probing new targets at once, stops removed ones, restarts those whose address or check changed. */
  setTargets(targets: readonly ProbeTarget[]): void;
  /** Stops every probe and timer; in-flight probes are aborted. */
  stop(): void;
  /** Targets being probed. */
  readonly size: number;
}

interface Entry {
  target: ProbeTarget;
  verdict: ProbeVerdictState;
  /** Aborted when the target is removed or changed. */
  readonly life: AbortController;
  timer: TimerHandle | undefined;
  /** A gRPC target whose backend answered Watch with UNIMPLEMENTED: polled with Check. */
  polling: boolean;
}

/**
 * A target is probed at once, then `intervalMs` (+/-10%) after each result; a probe that has
 * not answered within `timeoutMs` fails. A gRPC target's Watch stream pushes statuses as they
 * come; a stream that breaks counts as one failed probe and is opened again an interval later.
 */
export function createProbeLoop(options: ProbeLoopOptions): ProbeLoop {
  const { clock, limiter, thresholds, timeoutMs, logger } = options;
  const entries = new Map<string, Entry>();

  const jitteredInterval = () => options.intervalMs * (0.9 + 0.2 * options.random());

  function record(entry: Entry, next: ProbeVerdictState, reason: string | undefined): void {
    const before = entry.verdict.status;
    entry.verdict = next;
    if (next.status !== before) options.onStatus(entry.target, next.status, reason);
  }

  function schedule(entry: Entry): void {
    entry.timer = clock.setTimeout(() => {
      entry.timer = undefined;
      run(entry);
    }, jitteredInterval());
  }

  function run(entry: Entry): void {
    const task = entry.target.kind === "grpc" && !entry.polling ? followWatch(entry) : probeOnce(entry);
    task.catch((error: unknown) =>
      logger.error({ err: error, backend: entry.target.id }, "probe loop failed"),
    );
  }

  /** An attempt: aborted by the target's removal or by the timeout, whichever comes first. */
  function startAttempt(entry: Entry): { signal: AbortSignal; clearTimeout(): void; finish(): void } {
    const attempt = new AbortController();
    const onRemoved = () => attempt.abort(entry.life.signal.reason);
    entry.life.signal.addEventListener("abort", onRemoved, { once: true });
    const timer = clock.setTimeout(
      () => attempt.abort(new Error(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    return {
      signal: attempt.signal,
      clearTimeout: () => clock.clearTimeout(timer),
      finish() {
        clock.clearTimeout(timer);
        entry.life.signal.removeEventListener("abort", onRemoved);
      },
    };
  }

  async function probeOnce(entry: Entry): Promise<void> {
    const release = await limiter.acquire(entry.life.signal);
    if (!release) return;
    const attempt = startAttempt(entry);
    const startedMs = clock.now();
    let result: ProbeResult;
    try {
      result = await options.probes[entry.target.kind](entry.target, attempt.signal);
    } catch (error) {
      result = { ok: false, reason: (error as Error).message };
    } finally {
      release();
      attempt.finish();
    }
    if (entry.life.signal.aborted) return;
    options.onResult?.(entry.target, result, clock.now() - startedMs);
    record(
      entry,
      applyProbeResult(entry.verdict, result.ok, thresholds),
      result.ok ? undefined : result.reason,
    );
    schedule(entry);
  }

  async function followWatch(entry: Entry): Promise<void> {
    let release = await limiter.acquire(entry.life.signal);
    if (!release) return;
    const attempt = startAttempt(entry);
    const startedMs = clock.now();
    // The slot covers opening the stream only: it is given back at the first message.
    const end = await options
      .watch(
        entry.target,
        (status) => {
          if (release) {
            release();
            release = undefined;
            attempt.clearTimeout();
            options.onResult?.(entry.target, { ok: true }, clock.now() - startedMs);
          }
          if (entry.life.signal.aborted) return;
          const reason = status === "SERVING" ? undefined : `Watch: backend says ${status}`;
          record(entry, applyPushedStatus(entry.verdict, status), reason);
        },
        attempt.signal,
      )
      .finally(() => {
        release?.();
        attempt.finish();
      });
    if (entry.life.signal.aborted) return;
    if (end.kind === "unimplemented") {
      logger.info({ backend: entry.target.id }, "backend has no grpc.health.v1 Watch; polling Check");
      entry.polling = true;
      run(entry);
      return;
    }
    options.onResult?.(entry.target, { ok: false, reason: end.reason }, clock.now() - startedMs);
    record(entry, applyProbeResult(entry.verdict, false, thresholds), end.reason);
    schedule(entry);
  }

  function add(target: ProbeTarget): void {
    const entry: Entry = {
      target,
      verdict: initialProbeVerdict(target.heldOut),
      life: new AbortController(),
      timer: undefined,
      polling: false,
    };
    entries.set(target.id, entry);
    run(entry);
  }

  function remove(entry: Entry, reason: string): void {
    entries.delete(entry.target.id);
    if (entry.timer) clock.clearTimeout(entry.timer);
    entry.life.abort(new Error(reason));
  }

  return {
    setTargets(targets) {
      const wanted = new Map(targets.map((target) => [target.id, target]));
      for (const entry of [...entries.values()]) {
        if (!wanted.has(entry.target.id)) remove(entry, "backend removed");
      }
      for (const target of wanted.values()) {
        const entry = entries.get(target.id);
        if (entry && isSameProbe(entry.target, target)) {
          entry.target = target;
          // heldOut matters only until the first pass: it can be set before any verdict, cleared any time.
          const heldOut =
            entry.verdict.status === undefined ? target.heldOut : entry.verdict.heldOut && target.heldOut;
          entry.verdict = { ...entry.verdict, heldOut };
          continue;
        }
        if (entry) {
          remove(entry, "backend changed");
          if (entry.verdict.status !== undefined) options.onStatus(target, undefined, "probe restarted");
        }
        add(target);
      }
    },
    stop() {
      for (const entry of [...entries.values()]) remove(entry, "health service stopping");
    },
    get size() {
      return entries.size;
    },
  };
}
