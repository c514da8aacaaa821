// How the agent measures its backend's load (documented in HELP):
//   inFlight = Σ over live routers of the in-flight count they last reported for this backend
//   rps      = requests the routers counted for it over the last 10 s / the time covered
//   load     = clamp(0..100, round(max(100 * inFlight / AGENT_CONCURRENCY, child CPU %)))
// child CPU % is the share of one core the `-- <command>` child used since the previous
// sample (from /proc/<pid>/task/*/schedstat, Linux); without a child, load is the in-flight share.
import { readdir, readFile } from "node:fs/promises";
import type { Clock } from "@signalbox/backoff";
import type { RouterStatsTracker } from "./router-stats.js";

export interface LoadSample {
  load: number;
  rps: number;
  inFlight: number;
}

/** The rule above, from numbers already measured. */
export function computeLoad(inFlight: number, concurrency: number, cpuPercent: number | undefined): number {
  const busiest = Math.max((100 * inFlight) / concurrency, cpuPercent ?? 0);
  return Math.min(100, Math.max(0, Math.round(busiest)));
}

export interface CpuMeter {
  /** Percent of one core used since the previous call; undefined on the first call or when unreadable. */
  percent(): Promise<number | undefined>;
}

/**
 * CPU time of one process: the sum over its threads of /proc/<pid>/task/<tid>/schedstat's first
 * field (ns on a CPU). /proc/<pid>/schedstat alone counts only the main thread and misses the
 * GC and libuv threads, which can be several percent of a busy Node child.
 */
export function createProcessCpuMeter(pid: number, clock: Clock): CpuMeter {
  let previous: { cpuNs: number; atMs: number } | undefined;
  return {
    async percent() {
      let cpuNs: number;
      try {
        cpuNs = await readProcessCpuNs(pid);
      } catch {
        return undefined;
      }
      if (!Number.isFinite(cpuNs)) return undefined;
      const atMs = clock.now();
      const last = previous;
      previous = { cpuNs, atMs };
      if (!last || atMs <= last.atMs) return undefined;
      // max(0): a thread that exited takes its CPU time out of the sum
      return Math.min(100, Math.max(0, ((cpuNs - last.cpuNs) / 1e6 / (atMs - last.atMs)) * 100));
    },
  };
}

async function readProcessCpuNs(pid: number): Promise<number> {
  const threads = await readdir(`/proc/${pid}/task`);
  const perThread = await Promise.all(
    threads.map((tid) =>
      // a thread may exit between readdir and read: it then counts 0
      readFile(`/proc/${pid}/task/${tid}/schedstat`, "utf8").then(
        (text) => Number(text.split(" ")[0]),
        () => 0,
      ),
    ),
  );
  return perThread.reduce((sum, ns) => sum + ns, 0);
}

export interface LoadSampler {
  sample(): Promise<LoadSample>;
}

export function createLoadSampler(opts: {
  tracker: RouterStatsTracker;
  clock: Clock;
  concurrency: number;
  cpu?: CpuMeter;
}): LoadSampler {
  return {
    async sample() {
      const now = opts.clock.now();
      const inFlight = opts.tracker.inFlight(now);
      const rps = Math.round(opts.tracker.rps(now) * 100) / 100;
      const cpuPercent = await opts.cpu?.percent();
      return { load: computeLoad(inFlight, opts.concurrency, cpuPercent), rps, inFlight };
    },
  };
}
