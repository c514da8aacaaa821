// What the routers say about this agent's backend: the per-backend counts each router
// publishes on `stats.router.<routerId>` (the agent is not in the request path), summed
// into requests per second and in-flight requests, and the drain test built on them.

/** One router's counts for this backend over one interval, stamped with the agent's receive time. */
export interface RouterReport {
  routerId: string;
  receivedAt: number;
  intervalMs: number;
  requests: number;
  /** In-flight at the end of the interval; a router that does not say counts as 0. */
  inFlight: number;
}

export interface RouterStatsTracker {
  /** Keeps `report`; reports older than the window or from routers gone silent are dropped. */
  record(report: RouterReport): void;
  /** Σ over live routers of (requests in the window / time those reports cover). */
  rps(now: number): number;
  /** Σ over live routers of the in-flight count in their latest report. */
  inFlight(now: number): number;
  /**
   * True when the latest report of every live router covers an interval that began at or
   * after `sinceMs` and shows no new request and none in flight: routers stopped sending to this
   * backend. No live router means nothing to wait for.
   */
  isDrained(sinceMs: number, now: number): boolean;
}

/** A router is live while its latest report is younger than this many of its intervals. */
export const ROUTER_LIVE_INTERVALS = 3;

/** `windowMs` is the rps sliding window (the agent uses 10 s). */
export function createRouterStatsTracker(opts: { windowMs: number }): RouterStatsTracker {
  const byRouter = new Map<string, RouterReport[]>();

  const liveReports = (now: number): RouterReport[][] => {
    const live: RouterReport[][] = [];
    for (const [routerId, reports] of byRouter) {
      const latest = reports.at(-1);
      if (!latest || now - latest.receivedAt > ROUTER_LIVE_INTERVALS * latest.intervalMs) {
        byRouter.delete(routerId);
        continue;
      }
      const fresh = reports.filter((report) => now - report.receivedAt < opts.windowMs);
      byRouter.set(routerId, fresh.length > 0 ? fresh : [latest]);
      live.push(fresh.length > 0 ? fresh : [latest]);
    }
    return live;
  };

  return {
    record(report) {
      const reports = byRouter.get(report.routerId) ?? [];
      reports.push(report);
      byRouter.set(report.routerId, reports);
    },
    rps(now) {
      let total = 0;
      for (const reports of liveReports(now)) {
        const coveredMs = reports.reduce((sum, report) => sum + report.intervalMs, 0);
        const requests = reports.reduce((sum, report) => sum + report.requests, 0);
        if (coveredMs > 0) total += (requests * 1000) / coveredMs;
      }
      return total;
    },
    inFlight(now) {
      return liveReports(now).reduce((sum, reports) => sum + (reports.at(-1)?.inFlight ?? 0), 0);
    },
    isDrained(sinceMs, now) {
      return liveReports(now).every((reports) => {
        const latest = reports.at(-1);
        return (
          latest !== undefined &&
          latest.receivedAt - latest.intervalMs >= sinceMs &&
          latest.requests === 0 &&
          latest.inFlight === 0
        );
      });
    },
  };
}
