// random: a weighted random pick among the available backends of a route.
import { Scratch } from "./scratch.js";
import { effectiveWeight, type Strategy, type StrategyDeps } from "./strategy.js";

/**
 * `random`: picks an available backend with probability proportional to `weight` (default 1) times
 * its slow-start factor, using `deps.random` only (one draw per pick).
 */
export function createRandomStrategy(deps: StrategyDeps): Strategy {
  const scratch = new Scratch();
  return {
    pick(backends, ctx) {
      const weights = scratch.get(backends.length);
      let total = 0;
      for (let i = 0; i < backends.length; i++) {
        const backend = backends[i];
        const weight = backend === undefined ? 0 : effectiveWeight(backend, ctx);
        weights[i] = weight;
        total += weight;
      }
      if (!(total > 0)) return undefined;
      let remaining = deps.random() * total;
      let last = -1;
      for (let i = 0; i < backends.length; i++) {
        const weight = weights[i] ?? 0;
        if (weight <= 0) continue;
        last = i;
        remaining -= weight;
        if (remaining < 0) break;
      }
      return backends[last];
    },
  };
}
