// Waits until a change the API wrote to signalbox-config shows in the builder's table, so a
// `route add` followed by `query` sees the route (the API provider and builder are asynchronous).
import type { RouteTable } from "@signalbox/route-model";
import type { OpContext } from "./op-context.js";

/**
 * Resolves true as soon as the current or a later table satisfies `done`, false after
 * `ctx.settleTimeoutMs` (the change is stored either way; it just has not been built yet).
 */
export function awaitTable(ctx: OpContext, done: (table: RouteTable) => boolean): Promise<boolean> {
  const current = ctx.tables.current();
  if (current && done(current)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (settled: boolean) => {
      unsubscribe();
      ctx.clock.clearTimeout(timer);
      if (!settled) ctx.logger.warn({ timeoutMs: ctx.settleTimeoutMs }, "change not in the route table yet");
      resolve(settled);
    };
    const unsubscribe = ctx.tables.onTable((table) => {
      if (done(table)) finish(true);
    });
    const timer = ctx.clock.setTimeout(() => finish(false), ctx.settleTimeoutMs);
  });
}
