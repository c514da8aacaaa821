import { describe, expect, it } from "vitest";
import {
  applyProbeResult,
  applyPushedStatus,
  decideVerdict,
  initialProbeVerdict,
  type ProbeVerdictState,
} from "./backend-verdict.js";

const thresholds = { rise: 2, fall: 3 };

function run(state: ProbeVerdictState, results: boolean[]): (string | undefined)[] {
  const seen: (string | undefined)[] = [];
  let current = state;
  for (const passed of results) {
    current = applyProbeResult(current, passed, thresholds);
    seen.push(current.status);
  }
  return seen;
}

describe("applyProbeResult", () => {
  it("has no verdict before the first result", () => {
    expect(initialProbeVerdict(false).status).toBeUndefined();
    expect(initialProbeVerdict(true).status).toBeUndefined();
  });

  it("says SERVING at the first pass of a backend in rotation", () => {
    expect(run(initialProbeVerdict(false), [true])).toEqual(["SERVING"]);
  });

  it("keeps a backend in rotation until `fall` failures in a row", () => {
    expect(run(initialProbeVerdict(false), [false, false, false])).toEqual([
      "SERVING",
      "SERVING",
      "NOT_SERVING",
    ]);
  });

  it("starts the failure count again after a pass", () => {
    expect(run(initialProbeVerdict(false), [true, false, false, true, false, false])).toEqual([
      "SERVING",
      "SERVING",
      "SERVING",
      "SERVING",
      "SERVING",
      "SERVING",
    ]);
  });

  it("needs `rise` passes in a row to bring a NOT_SERVING backend back", () => {
    expect(run(initialProbeVerdict(false), [false, false, false, true, false, true, true])).toEqual([
      "SERVING",
      "SERVING",
      "NOT_SERVING",
      "NOT_SERVING",
      "NOT_SERVING",
      "NOT_SERVING",
      "SERVING",
    ]);
  });

  it("holds a healthRequire backend out until its first pass, then SERVING at once", () => {
    expect(run(initialProbeVerdict(true), [false, false, true])).toEqual([
      "NOT_SERVING",
      "NOT_SERVING",
      "SERVING",
    ]);
    expect(run(initialProbeVerdict(true), [true])).toEqual(["SERVING"]);
  });

  it("treats a held-out backend like any other after its first pass", () => {
    expect(run(initialProbeVerdict(true), [true, false, false, false, true, true])).toEqual([
      "SERVING",
      "SERVING",
      "SERVING",
      "NOT_SERVING",
      "NOT_SERVING",
      "SERVING",
    ]);
  });

  it.each([
    [1, 1, [false, true], ["NOT_SERVING", "SERVING"]],
    [3, 1, [false, true, true, true], ["NOT_SERVING", "NOT_SERVING", "NOT_SERVING", "SERVING"]],
  ])("honours rise %i fall %i", (rise, fall, results, expected) => {
    let state = initialProbeVerdict(false);
    const seen = results.map((passed) => {
      state = applyProbeResult(state, passed, { rise, fall });
      return state.status;
    });
    expect(seen).toEqual(expected);
  });
});

describe("applyPushedStatus", () => {
  it("applies a backend's own status at once and restarts the counters", () => {
    const down = applyPushedStatus(initialProbeVerdict(false), "NOT_SERVING");
    expect(down.status).toBe("NOT_SERVING");
    const up = applyPushedStatus(down, "SERVING");
    expect(up).toEqual({ status: "SERVING", passes: 0, failures: 0, heldOut: false });
  });

  it("lets a held-out backend in only when it says SERVING", () => {
    expect(applyPushedStatus(initialProbeVerdict(true), "NOT_SERVING").heldOut).toBe(true);
    expect(applyPushedStatus(initialProbeVerdict(true), "SERVING").heldOut).toBe(false);
  });
});

describe("decideVerdict", () => {
  it.each([
    ["up", undefined, undefined],
    ["up", "SERVING", "SERVING"],
    ["up", "NOT_SERVING", "NOT_SERVING"],
    ["draining", "SERVING", "NOT_SERVING"],
    ["down", "SERVING", "NOT_SERVING"],
    ["draining", undefined, "NOT_SERVING"],
  ] as const)("state %s with probe %s -> %s", (state, probe, expected) => {
    expect(decideVerdict(state, probe)).toBe(expected);
  });
});
