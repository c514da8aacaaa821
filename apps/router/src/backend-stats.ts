// Runtime state per backend id, kept apart from the immutable table so it survives swaps (as Caddy's
// hosts.go and YARP's DestinationState): in-flight, passive failures and ejection, slow start,
// the health verdict from `health.>`, and request counts for stats.router.<routerId>.

import type { Clock } from "@signalbox/backoff";
import type { Backend } from "@signalbox/route-model";

export type HealthVerdict = "SERVING" | "NOT_SERVING" | "UNKNOWN" | "SERVICE_UNKNOWN";

export class BackendState {
  inFlight = 0;
  consecutiveFailures = 0;
  /** Epoch ms; the backend gets no requests before it. */
  ejectedUntil = 0;
  /** Epoch ms the slow-start ramp counts from. */
  rampFrom: number;
  health: HealthVerdict | undefined = undefined;
  /** Epoch ms past which `health` is stale and ignored (the health service stopped publishing). */
  healthExpiresAt = 0;
  /** The address is one of this router's own listeners: never forwarded to (it would loop). */
  ownListener = false;
  /** Since the last `takeCounts()`. */
  requests = 0;
  errors = 0;
  /** Since the backend was first seen (for /metrics). */
  totalRequests = 0;
  totalErrors = 0;

  constructor(
    readonly id: string,
    rampFrom: number,
  ) {
    this.rampFrom = rampFrom;
  }
}

export interface BackendStatsOptions {
  clock: Clock;
  ejectAfterFailures: number;
  ejectCooldownMs: number;
  slowStartMs: number;
  /**
   * How long a health verdict counts without being republished. The health service republishes
   * every few seconds; without a running health service the source's gate alone decides
   * (contract: "Who may get traffic"), so a verdict it no longer refreshes lapses.
   */
  healthTtlMs: number;
  /** Called when a backend is ejected (its pool is closed and reopened fresh). */
  onEject?(id: string): void;
  /** Whether `address` is one of this router's own listeners (own-listeners.ts); default never. */
  isOwnListener?(address: string): boolean;
  /** Called when a backend of the table turns out to be on an own listener (it gets no requests). */
  onOwnListener?(backend: Backend): void;
}

/** Slow start begins at this share of a backend's weight. */
const SLOW_START_FLOOR = 0.1;

export class BackendStats {
  private readonly states = new Map<string, BackendState>();
  private readonly pendingHealth = new Map<
    string,
    { service: string; verdict: HealthVerdict; expiresAt: number }
  >();
  private seenTable = false;

  constructor(private readonly opts: BackendStatsOptions) {}

  /** The state of `id`, created on first use (warm, no ramp). */
  get(id: string): BackendState {
    let state = this.states.get(id);
    if (state === undefined) {
      state = new BackendState(id, Number.NEGATIVE_INFINITY);
      this.states.set(id, state);
    }
    return state;
  }

  /**
   * Follows a new table: backends that appear after the first table ramp up from now; the
   * first table's backends are taken as warm; state of backends that left is forgotten.
   */
  observeTable(backends: Iterable<Backend>): void {
    const rampFrom = this.seenTable ? this.opts.clock.now() : Number.NEGATIVE_INFINITY;
    const present = new Set<string>();
    for (const backend of backends) {
      present.add(backend.id);
      const state = this.states.get(backend.id);
      if (state === undefined) this.admit(backend, rampFrom);
      else this.checkAddress(state, backend);
    }
    for (const id of this.states.keys()) if (!present.has(id)) this.states.delete(id);
    this.seenTable = true;
  }

  /**
   * Follows a table that differs from the last one observed in `ids` only, as observeTable does
   * for them (a new id ramps up from now, an id the table no longer has is forgotten), at a cost
   * per changed id instead of per backend of the table.
   */
  observeChanges(ids: Iterable<string>, backendOf: (id: string) => Backend | undefined): void {
    const rampFrom = this.seenTable ? this.opts.clock.now() : Number.NEGATIVE_INFINITY;
    for (const id of ids) {
      const backend = backendOf(id);
      const state = this.states.get(id);
      if (backend === undefined) this.states.delete(id);
      else if (state === undefined) this.admit(backend, rampFrom);
      else this.checkAddress(state, backend);
    }
    this.seenTable = true;
  }

  /** Starts tracking the backend, with the verdict of its service that arrived before the table named it. */
  private admit(backend: Backend, rampFrom: number): void {
    const state = new BackendState(backend.id, rampFrom);
    const pending = this.pendingHealth.get(backend.id);
    if (pending !== undefined) {
      if (pending.service === backend.service) {
        state.health = pending.verdict;
        state.healthExpiresAt = pending.expiresAt;
      }
      this.pendingHealth.delete(backend.id);
    }
    this.checkAddress(state, backend);
    this.states.set(backend.id, state);
  }

  /** Marks the state when its (possibly new) address is an own listener; tells onOwnListener once. */
  private checkAddress(state: BackendState, backend: Backend): void {
    const own = this.opts.isOwnListener?.(backend.address) ?? false;
    if (own && !state.ownListener) this.opts.onOwnListener?.(backend);
    state.ownListener = own;
  }

  /**
   * A backend may get a new request when its state is `up`, it is not ejected, and the health
   * verdict is SERVING, or there is no verdict yet and the endpoint does not require one.
   */
  isAvailable(backend: Backend, healthRequire: boolean): boolean {
    if (backend.state !== "up") return false;
    const state = this.states.get(backend.id);
    if (state === undefined) return !healthRequire;
    if (state.ownListener) return false;
    const now = this.opts.clock.now();
    if (state.ejectedUntil !== 0 && state.ejectedUntil > now) return false;
    const health = state.healthExpiresAt > now ? state.health : undefined;
    return health === "SERVING" || (health === undefined && !healthRequire);
  }

  /** Linear ramp from 10% to 100% of the backend's share over the slow-start window. */
  slowStartFactor(backend: Backend): number {
    const state = this.states.get(backend.id);
    if (state === undefined || this.opts.slowStartMs === 0) return 1;
    const elapsed = this.opts.clock.now() - state.rampFrom;
    if (elapsed >= this.opts.slowStartMs) return 1;
    return Math.max(SLOW_START_FLOOR, elapsed / this.opts.slowStartMs);
  }

  inFlight(id: string): number {
    return this.states.get(id)?.inFlight ?? 0;
  }

  /** A connection to `id` could not be made; the N-th in a row ejects it for the cool-down. */
  recordConnectFailure(id: string): void {
    const state = this.get(id);
    state.consecutiveFailures += 1;
    if (state.consecutiveFailures < this.opts.ejectAfterFailures) return;
    const now = this.opts.clock.now();
    state.consecutiveFailures = 0;
    state.ejectedUntil = now + this.opts.ejectCooldownMs;
    // Back from ejection, the backend ramps up again instead of taking its full share at once.
    state.rampFrom = state.ejectedUntil;
    this.opts.onEject?.(id);
  }

  /** A backend answered: its run of connection failures ends. */
  recordConnected(state: BackendState): void {
    state.consecutiveFailures = 0;
  }

  isEjected(id: string): boolean {
    const state = this.states.get(id);
    return state !== undefined && state.ejectedUntil > this.opts.clock.now();
  }

  /**
   * Applies one `health.<service>` message: a verdict per backend id, for the backends of
   * `service` only (`serviceOf`: the service the current table gives an id). A verdict naming
   * another service's backend is ignored, so one message cannot take the fleet out. Returns
   * how many verdicts were ignored.
   */
  setHealth(
    service: string,
    verdicts: Record<string, HealthVerdict>,
    serviceOf: (id: string) => string | undefined,
  ): number {
    const expiresAt = this.opts.clock.now() + this.opts.healthTtlMs;
    let ignored = 0;
    for (const [id, verdict] of Object.entries(verdicts)) {
      const owner = serviceOf(id);
      const state = this.states.get(id);
      if (owner !== undefined && owner !== service) ignored += 1;
      else if (state !== undefined) {
        state.health = verdict;
        state.healthExpiresAt = expiresAt;
      }
      // A verdict may arrive before the table naming the backend; kept for the table to check.
      else this.pendingHealth.set(id, { service, verdict, expiresAt });
    }
    if (this.pendingHealth.size > 100_000) this.pendingHealth.clear();
    return ignored;
  }

  /** The backend's current (unexpired) health verdict, if any. */
  healthOf(id: string): HealthVerdict | undefined {
    const state = this.states.get(id);
    return state !== undefined && state.healthExpiresAt > this.opts.clock.now() ? state.health : undefined;
  }

  /**
   * Request and error counts per backend since the last call (counters restart at 0), and
   * `inFlight` when requests are still open: an agent's drain waits for it (issue 6).
   */
  takeCounts(): Record<string, { requests: number; errors: number; inFlight?: number }> {
    const counts: Record<string, { requests: number; errors: number; inFlight?: number }> = {};
    for (const state of this.states.values()) {
      if (state.requests === 0 && state.errors === 0 && state.inFlight === 0) continue;
      counts[state.id] = {
        requests: state.requests,
        errors: state.errors,
        ...(state.inFlight > 0 && { inFlight: state.inFlight }),
      };
      state.requests = 0;
      state.errors = 0;
    }
    return counts;
  }

  /** Every tracked state (for /metrics and /routes). */
  all(): IterableIterator<BackendState> {
    return this.states.values();
  }
}
