// `token.create`: a new agent token, optionally scoped to one service and with a ttl; the
// reply carries the secret, the only time it leaves the watcher.
import { parseTtl } from "@signalbox/bus";
import { ValidationError } from "@signalbox/route-model";
import { invalid, type OpHandler } from "../op-context.js";

export const tokenCreate: OpHandler<"token.create"> = async (request, ctx) => {
  let ttlMs: number | undefined;
  try {
    ttlMs = request.ttl === undefined ? undefined : parseTtl(request.ttl);
  } catch (error) {
    if (error instanceof ValidationError) return invalid(error.message);
    throw error;
  }
  const { record, secret } = await ctx.tokens.create({
    ...(request.service !== undefined && { service: request.service }),
    ...(ttlMs !== undefined && { ttlMs }),
    now: ctx.clock.now(),
  });
  ctx.logger.info({ op: "token.create", id: record.id, service: record.service }, "token created");
  return {
    ok: true,
    id: record.id,
    secret,
    ...(record.service !== undefined && { service: record.service }),
    createdAt: record.createdAt,
    ...(record.expiresAt !== undefined && { expiresAt: record.expiresAt }),
  };
};
