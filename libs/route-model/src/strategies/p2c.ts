// p2c: power of two choices on in-flight requests.
import { Scratch } from "./scratch.js";
import { type Strategy, type StrategyDeps, scaledInFlight } from "./strategy.js";

/**
 * `p2c`: draws two distinct available backends at random (two `deps.random` draws) and picks the one
 * with fewer in-flight requests per unit of slow-start factor; the first drawn wins a tie. One
 * available backend is picked as is, without a draw.
 */
export function createP2cStrategy(deps: StrategyDeps): Strategy {
  const scratch = new Scratch();
  return {
    pick(backends, ctx) {
      const available = scratch.get(backends.length);
      let count = 0;
      for (let i = 0; i < backends.length; i++) {
        const backend = backends[i];
        if (backend !== undefined && ctx.isAvailable(backend)) available[count++] = i;
      }
      if (count === 0) return undefined;
      if (count === 1) return backends[available[0] ?? -1];
      const first = Math.min(Math.floor(deps.random() * count), count - 1);
      let second = Math.min(Math.floor(deps.random() * (count - 1)), count - 2);
      if (second >= first) second++;
      const a = backends[available[first] ?? -1];
      const b = backends[available[second] ?? -1];
      if (a === undefined || b === undefined) return a ?? b;
      return scaledInFlight(b, ctx) < scaledInFlight(a, ctx) ? b : a;
    },
  };
}
