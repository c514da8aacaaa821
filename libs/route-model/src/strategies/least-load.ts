// least-load: the available backend reporting the lowest load, ties broken by in-flight requests.
import { Scratch } from "./scratch.js";
import { type Strategy, scaledInFlight } from "./strategy.js";

/**
 * `least-load`: the available backend with the lowest reported `load` (a backend that has not
 * reported one ranks after all that have, so traffic does not pile onto an unmeasured backend); ties
 * go to the fewest in-flight requests scaled by slow start (in-flight / slowStartFactor), then rotate
 * round-robin among the backends still tied.
 */
export function createLeastLoadStrategy(): Strategy {
  const loads = new Scratch();
  const busyness = new Scratch();
  let turn = 0;
  return {
    pick(backends, ctx) {
      const load = loads.get(backends.length);
      const busy = busyness.get(backends.length);
      let bestLoad = Number.POSITIVE_INFINITY;
      let bestBusy = Number.POSITIVE_INFINITY;
      let ties = 0;
      for (let i = 0; i < backends.length; i++) {
        const backend = backends[i];
        if (backend === undefined || !ctx.isAvailable(backend)) {
          load[i] = Number.NaN;
          continue;
        }
        const l = backend.load ?? Number.POSITIVE_INFINITY;
        const b = scaledInFlight(backend, ctx);
        load[i] = l;
        busy[i] = b;
        if (ties === 0 || l < bestLoad || (l === bestLoad && b < bestBusy)) {
          bestLoad = l;
          bestBusy = b;
          ties = 1;
        } else if (l === bestLoad && b === bestBusy) {
          ties++;
        }
      }
      if (ties === 0) return undefined;
      let skip = turn++ % ties;
      for (let i = 0; i < backends.length; i++) {
        if (load[i] !== bestLoad || busy[i] !== bestBusy) continue;
        if (skip-- === 0) return backends[i];
      }
      return undefined;
    },
  };
}
