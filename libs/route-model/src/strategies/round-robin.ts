// round-robin: smooth weighted round-robin over the available backends of a route.
import type { Backend } from "../model/types.js";
import { pickSmoothWeightedIndex } from "../weights/smooth-weighted.js";
import { effectiveWeight, type Strategy } from "./strategy.js";

/**
 * `round-robin` (the default): smooth weighted round-robin by `weight` (default 1) times the
 * slow-start factor, among available backends. Credit is kept per backends array, so an unavailable
 * backend is skipped without disturbing the spread of the others and resumes where it left off.
 */
export function createRoundRobinStrategy(): Strategy {
  const credits = new WeakMap<readonly Backend[], { current: Float64Array; weights: Float64Array }>();
  return {
    pick(backends, ctx) {
      let state = credits.get(backends);
      if (state === undefined || state.current.length !== backends.length) {
        state = { current: new Float64Array(backends.length), weights: new Float64Array(backends.length) };
        credits.set(backends, state);
      }
      const { current, weights } = state;
      for (let i = 0; i < backends.length; i++) {
        const backend = backends[i];
        weights[i] = backend === undefined ? 0 : effectiveWeight(backend, ctx);
      }
      const index = pickSmoothWeightedIndex(current, weights, backends.length);
      return index < 0 ? undefined : backends[index];
    },
  };
}
