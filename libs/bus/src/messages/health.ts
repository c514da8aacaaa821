// `health.<service>` (health -> all): the verdict for one service and each of its
// backends, as grpc.health.v1 status names (contract: ARCHITECTURE.md "NATS").

import { z } from "zod";

/** grpc.health.v1 HealthCheckResponse.ServingStatus names. */
export const HEALTH_STATUSES = ["SERVING", "NOT_SERVING", "UNKNOWN", "SERVICE_UNKNOWN"] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

const healthStatus = z.enum(HEALTH_STATUSES);

export const healthMessageSchema = z.object({
  service: z.string().min(1),
  status: healthStatus,
  /** Backend id -> its verdict. */
  backends: z.record(z.string(), healthStatus),
  /** Epoch ms of the verdict. */
  at: z.number().int().nonnegative(),
});
export type HealthMessage = z.infer<typeof healthMessageSchema>;
