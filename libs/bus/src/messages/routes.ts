// Route-table messages: `routes.updated` (watcher -> all) and the `meta` value of the
// signalbox-routes bucket (contract: ARCHITECTURE.md "NATS").

import { z } from "zod";

const version = z.number().int().nonnegative();
const epochMs = z.number().int().nonnegative();

/** `routes.updated`: published after each table change; `changed` lists patterns and backend ids. */
export const routesUpdatedSchema = z.object({
  version,
  hash: z.string().min(1),
  generatedAt: epochMs,
  changed: z.object({ endpoints: z.array(z.string()), backends: z.array(z.string()) }),
});
export type RoutesUpdated = z.infer<typeof routesUpdatedSchema>;

/**
 * The `meta` key, written after every endpoint and backend key of the table it describes:
 * a reader holding exactly `endpointCount` endpoints and `backendCount` backends at this
 * meta holds that table.
 */
export const routesMetaSchema = z.object({
  version,
  hash: z.string().min(1),
  generatedAt: epochMs,
  endpointCount: z.number().int().nonnegative(),
  backendCount: z.number().int().nonnegative(),
});
export type RoutesMeta = z.infer<typeof routesMetaSchema>;
