// Requests per second per backend, from the routers' `stats.router.<id>` counts of the last
// few seconds (summed over routers), for the control API's `query`.
import type { RouterStats } from "@signalbox/bus";

/** The part of a `stats.router.<id>` message the window uses. */
export type RouterStatsSample = Pick<RouterStats, "routerId" | "intervalMs" | "backends">;

export interface RouterStatsWindow {
  /** Records one message; `receivedAt` is the watcher's clock, so router clock skew does not matter. */
  add(sample: RouterStatsSample, receivedAt: number): void;
  /**
   * Requests per second of `backendId`: per router, the requests of its samples received in the
   * last `windowMs` divided by the time they cover; summed over routers. Undefined when no router
   * reported in the window (then nobody knows), 0 when routers reported without this backend.
   */
  rps(backendId: string, now: number): number | undefined;
  /** The routers heard from in the window: when each last reported and its in-flight requests. */
  routers(now: number): { routerId: string; receivedAt: number; inFlight: number }[];
}

export const DEFAULT_STATS_WINDOW_MS = 5_000;

export function createRouterStatsWindow(windowMs = DEFAULT_STATS_WINDOW_MS): RouterStatsWindow {
  const byRouter = new Map<string, { receivedAt: number; sample: RouterStatsSample }[]>();

  function recent(now: number) {
    for (const [routerId, samples] of byRouter) {
      const kept = samples.filter((s) => s.receivedAt > now - windowMs);
      if (kept.length === 0) byRouter.delete(routerId);
      else byRouter.set(routerId, kept);
    }
    return byRouter;
  }

  return {
    add(sample, receivedAt) {
      const samples = byRouter.get(sample.routerId) ?? [];
      samples.push({ receivedAt, sample });
      byRouter.set(sample.routerId, samples);
      recent(receivedAt);
    },

    routers(now) {
      return [...recent(now)].map(([routerId, samples]) => {
        const last = samples[samples.length - 1];
        let inFlight = 0;
        for (const counts of Object.values(last?.sample.backends ?? {})) inFlight += counts.inFlight ?? 0;
        return { routerId, receivedAt: last?.receivedAt ?? 0, inFlight };
      });
    },

    rps(backendId, now) {
      const routers = recent(now);
      if (routers.size === 0) return undefined;
      let total = 0;
      for (const samples of routers.values()) {
        let requests = 0;
        let coveredMs = 0;
        for (const { sample } of samples) {
          requests += sample.backends[backendId]?.requests ?? 0;
          coveredMs += sample.intervalMs;
        }
        if (coveredMs > 0) total += (requests * 1000) / coveredMs;
      }
      return Math.round(total * 100) / 100;
    },
  };
}
