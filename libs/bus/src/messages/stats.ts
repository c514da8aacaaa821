// `stats.router.<routerId>` (router -> all): per-backend request counts for the last
// interval (contract: ARCHITECTURE.md "NATS").

import { z } from "zod";

const count = z.number().int().nonnegative();

export const routerStatsSchema = z.object({
  routerId: z.string().min(1),
  /** Epoch ms at the end of the interval. */
  at: z.number().int().nonnegative(),
  intervalMs: z.number().positive(),
  /**
   * Backend id -> requests forwarded and errors (502/504) in the interval, and `inFlight`:
   * requests still open at `at` (an agent's drain waits for 0; absent counts as 0).
   */
  backends: z.record(z.string(), z.object({ requests: count, errors: count, inFlight: count.optional() })),
});
export type RouterStats = z.infer<typeof routerStatsSchema>;
