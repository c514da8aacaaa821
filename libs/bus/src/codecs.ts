// The default codec of each message family owned here; a service that counts invalid
// messages builds its own with createCodec(name, schema, { logger, onInvalid }).

import { createCodec } from "./codec.js";
import { healthMessageSchema } from "./messages/health.js";
import { routesMetaSchema, routesUpdatedSchema } from "./messages/routes.js";
import { routerStatsSchema } from "./messages/stats.js";

/** Codec names double as the `<name> message:` prefix of decode reasons. */
export const codecs = {
  routesUpdated: createCodec("routes.updated", routesUpdatedSchema),
  routesMeta: createCodec("routes meta", routesMetaSchema),
  health: createCodec("health", healthMessageSchema),
  routerStats: createCodec("router stats", routerStatsSchema),
};
