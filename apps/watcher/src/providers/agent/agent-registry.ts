// The agent provider's state: the backends agents registered, each with the token it
// was accepted with and an expiry timer that a heartbeat pushes back; no I/O, time from
// the injected Clock so tests expire an agent by advancing a ManualClock.
import { createHash } from "node:crypto";
import type { Clock, TimerHandle } from "@signalbox/backoff";
import type { Backend, BackendState } from "@signalbox/route-model";

interface AgentEntry {
  backend: Backend;
  /** Undefined for an adopted backend: its agent has not registered with this watcher yet. */
  tokenId: string | undefined;
  /** The registration's session secret (agent-session.ts); undefined for an adopted backend. */
  session: string | undefined;
  timer: TimerHandle;
}

/** What the registry holds of one backend. */
export interface AgentRecord {
  backend: Backend;
  tokenId: string | undefined;
  session: string | undefined;
}

/** What a heartbeat may change on a registered backend. */
export interface HeartbeatUpdate {
  state: BackendState;
  load: number;
  rps: number;
}

export interface AgentRegistry {
  /**
   * Adds or replaces the backend with `backend.id` and (re)starts its expiry. A
   * replacement keeps the first `connectedAt`: the backend never left the table.
   */
  register(backend: Backend, tokenId: string, session: string): void;
  /**
   * Holds backends this watcher did not register (the agent backends of the table it
   * resumes from), each with a normal expiry, so a watcher restart does not drop them
   * before their agents register again. No `onChange`: they are already in the table.
   */
  adopt(backends: readonly Backend[]): void;
  /**
   * Pushes back the expiry and, when the update is a visible change (isVisibleChange), applies
   * it; false when the id is not registered.
   */
  heartbeat(backendId: string, update: HeartbeatUpdate): boolean;
  /** Removes the backend; false when it was not registered. */
  remove(backendId: string): boolean;
  get(backendId: string): AgentRecord | undefined;
  /** Every registered backend, ordered by id. */
  backends(): Backend[];
  /** Stops every expiry timer (the provider is stopping). */
  clear(): void;
}

/**
 * The id of an agent's backend: stable for one (service, instanceId), so an agent that
 * registers again (NATS restart, watcher restart) replaces its backend instead of adding one.
 */
export function agentBackendId(service: string, instanceId: string): string {
  const digest = createHash("sha256").update(`${service}\n${instanceId}`).digest("hex");
  return `agent-${digest.slice(0, 16)}`;
}

/** Points the load must move from the table's value to be published (reaching or leaving 0 or 100 always is). */
const LOAD_STEP = 5;
/** Share of the table's rps (and at least MIN_RPS_STEP) the rps must move by to be published. */
const RPS_SHARE = 0.1;
const MIN_RPS_STEP = 1;

/**
 * Whether a heartbeat changes what routers should see of `published` (the backend as the
 * table has it): another state, the load moved by LOAD_STEP points or to or from 0 or 100,
 * or the rps moved by RPS_SHARE of its value and by at least MIN_RPS_STEP; a first load or
 * rps always. Anything less would make a new table version (and every router recompile) at
 * each heartbeat of every agent; the table keeps the values of the last visible change.
 */
export function isVisibleChange(published: Backend, update: HeartbeatUpdate): boolean {
  return (
    published.state !== update.state ||
    loadMoved(published.load, update.load) ||
    rpsMoved(published.rps, update.rps)
  );
}

function loadMoved(before: number | undefined, after: number): boolean {
  if (before === undefined) return true;
  if (before === after) return false;
  const extreme = (load: number) => load === 0 || load === 100;
  return Math.abs(after - before) >= LOAD_STEP || extreme(before) || extreme(after);
}

function rpsMoved(before: number | undefined, after: number): boolean {
  if (before === undefined) return true;
  const moved = Math.abs(after - before);
  return moved >= MIN_RPS_STEP && moved >= RPS_SHARE * before;
}

/**
 * A backend not heard from for `expiryMs` (missed heartbeats x interval) is removed;
 * `onChange` runs after every change visible in the table (not after a heartbeat that
 * changes nothing), `onExpire` after an expiry.
 */
export function createAgentRegistry(opts: {
  clock: Clock;
  expiryMs: number;
  onChange: () => void;
  onExpire?: (backend: Backend) => void;
}): AgentRegistry {
  const entries = new Map<string, AgentEntry>();

  const startExpiry = (backendId: string): TimerHandle =>
    opts.clock.setTimeout(() => {
      const entry = entries.get(backendId);
      if (!entry) return;
      entries.delete(backendId);
      opts.onExpire?.(entry.backend);
      opts.onChange();
    }, opts.expiryMs);

  return {
    register(backend, tokenId, session) {
      const previous = entries.get(backend.id);
      if (previous) opts.clock.clearTimeout(previous.timer);
      const next = previous ? { ...backend, connectedAt: previous.backend.connectedAt } : backend;
      entries.set(backend.id, { backend: next, tokenId, session, timer: startExpiry(backend.id) });
      opts.onChange();
    },
    adopt(backends) {
      for (const backend of backends) {
        if (entries.has(backend.id)) continue;
        entries.set(backend.id, {
          backend,
          tokenId: undefined,
          session: undefined,
          timer: startExpiry(backend.id),
        });
      }
    },
    heartbeat(backendId, update) {
      const entry = entries.get(backendId);
      if (!entry) return false;
      opts.clock.clearTimeout(entry.timer);
      entry.timer = startExpiry(backendId);
      const { backend } = entry;
      if (!isVisibleChange(backend, update)) return true;
      entry.backend = { ...backend, ...update };
      opts.onChange();
      return true;
    },
    remove(backendId) {
      const entry = entries.get(backendId);
      if (!entry) return false;
      opts.clock.clearTimeout(entry.timer);
      entries.delete(backendId);
      opts.onChange();
      return true;
    },
    get(backendId) {
      const entry = entries.get(backendId);
      return entry && { backend: entry.backend, tokenId: entry.tokenId, session: entry.session };
    },
    backends() {
      return [...entries.values()]
        .map((entry) => entry.backend)
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
    clear() {
      for (const entry of entries.values()) opts.clock.clearTimeout(entry.timer);
      entries.clear();
    },
  };
}
