// One verdict per backend: rise/fall thresholds over active probe results, and the
// precedence between the signals that may take a backend out of rotation.
import type { BackendState } from "@signalbox/route-model";

/** The two verdicts a backend can get (grpc.health.v1 names, as `health.<service>` carries them). */
export type ServingStatus = "SERVING" | "NOT_SERVING";

export interface Thresholds {
  /** Consecutive passes that bring a NOT_SERVING backend back. */
  rise: number;
  /** Consecutive failures that take a SERVING backend out. */
  fall: number;
}

/** The active probe's view of one backend. `status` stays undefined until the first result. */
export interface ProbeVerdictState {
  readonly status: ServingStatus | undefined;
  readonly passes: number;
  readonly failures: number;
  /** An endpoint with `signalbox.health.require=true` holds the backend out until its first pass. */
  readonly heldOut: boolean;
}

/** Before any probe result; `heldOut` for backends of `healthRequire` endpoints. */
export function initialProbeVerdict(heldOut: boolean): ProbeVerdictState {
  return { status: undefined, passes: 0, failures: 0, heldOut };
}

/**
 * Contract "Who may get traffic": a backend past its source's gate is in rotation until a
 * verdict says otherwise. So the first pass says SERVING at once, and failures keep it
 * SERVING until `fall` of them in a row. A held-out backend is NOT_SERVING after a failure and
 * SERVING at its first pass (no `rise` wait). From NOT_SERVING, `rise` passes in a row bring it back.
 */
export function applyProbeResult(
  state: ProbeVerdictState,
  passed: boolean,
  thresholds: Thresholds,
): ProbeVerdictState {
  if (state.heldOut) {
    return passed
      ? { status: "SERVING", passes: 1, failures: 0, heldOut: false }
      : { status: "NOT_SERVING", passes: 0, failures: state.failures + 1, heldOut: true };
  }
  const current = state.status ?? "SERVING";
  if (passed) {
    const passes = state.passes + 1;
    const status = current === "NOT_SERVING" && passes < thresholds.rise ? "NOT_SERVING" : "SERVING";
    return { status, passes, failures: 0, heldOut: false };
  }
  const failures = state.failures + 1;
  const status = current === "SERVING" && failures < thresholds.fall ? "SERVING" : "NOT_SERVING";
  return { status, passes: 0, failures, heldOut: false };
}

/**
 * A status the backend pushed itself (its own grpc.health.v1 Watch stream) is its own word:
 * it applies at once, without thresholds, and restarts the counters.
 */
export function applyPushedStatus(state: ProbeVerdictState, status: ServingStatus): ProbeVerdictState {
  return { status, passes: 0, failures: 0, heldOut: state.heldOut && status !== "SERVING" };
}

/**
 * The verdict for one backend, signals in this order:
 * 1. The agent's own report (`state` in the route table): `draining` or `down` is NOT_SERVING
 *    at once, whatever the probes say.
 * 2. Routers' passive ejections: not consumed. The bus carries no ejection signal yet
 *    (`stats.router.*` holds request and error counts only); when routers publish one, it goes
 *    here, above the active probe.
 * 3. The active probe (or the backend's own Watch stream); undefined = no verdict yet, so the
 *    backend stays in rotation on its source's gate alone.
 */
export function decideVerdict(
  state: BackendState,
  probeStatus: ServingStatus | undefined,
): ServingStatus | undefined {
  if (state !== "up") return "NOT_SERVING";
  return probeStatus;
}
