// The Strategy interface: how a route picks one Backend among those its selector matched.
import type { Backend } from "../model/types.js";

/** A parsed strategy name (contract: Route.strategy); see parseStrategy in strategies/index.ts. */
export type StrategySpec =
  | { kind: "round-robin" }
  | { kind: "least-load" }
  | { kind: "random" }
  | { kind: "p2c" }
  | { kind: "hash"; source: "header" | "cookie"; name: string };

/** What a strategy may ask about the request and the live backend state; answered by the router. */
export interface PickContext {
  /** Health, draining and ejection, decided by the caller; a strategy never picks an unavailable backend. */
  isAvailable(backend: Backend): boolean;
  /** Requests in flight to this backend right now (p2c, least-load tie-break). */
  inFlight(backendId: string): number;
  /** In (0, 1]: the share of a backend still ramping up after joining; 1 once warm. */
  slowStartFactor(backend: Backend): number;
  /** A request header by lowercased name. */
  header(name: string): string | undefined;
  cookie(name: string): string | undefined;
}

/**
 * Picks one available backend of `backends`, or undefined when none is available. Called per request:
 * pass the same `backends` array on every call (the route's compiled list) so per-array state such
 * as round-robin credit and the hash ring is reused; availability goes through `ctx.isAvailable`.
 */
export interface Strategy {
  pick(backends: readonly Backend[], ctx: PickContext): Backend | undefined;
}

/** Randomness in [0, 1), injected so tests can script it. */
export interface StrategyDeps {
  random: () => number;
}

/**
 * A backend's share for weighted strategies: `weight` (default 1) times its slow-start factor, or 0
 * when it is unavailable (so it is skipped). Weights that are not finite and > 0 count as 0.
 */
export function effectiveWeight(backend: Backend, ctx: PickContext): number {
  if (!ctx.isAvailable(backend)) return 0;
  const weight = (backend.weight ?? 1) * ctx.slowStartFactor(backend);
  return weight > 0 && weight < Number.POSITIVE_INFINITY ? weight : 0;
}

/** In-flight requests divided by the slow-start factor: a backend still ramping up looks busier. */
export function scaledInFlight(backend: Backend, ctx: PickContext): number {
  const factor = ctx.slowStartFactor(backend);
  return factor > 0 ? ctx.inFlight(backend.id) / factor : Number.POSITIVE_INFINITY;
}
