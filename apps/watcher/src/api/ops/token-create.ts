// `token.create`: a new agent token, scoped to one service unless the caller asks for one
// any service may use (`anyService`), with an optional ttl; the reply carries the secret,
// the only time it leaves the watcher.
import { parseTtl } from "@signalbox/bus";
import { ValidationError } from "@signalbox/route-model";
import { invalid, type OpHandler } from "../op-context.js";

export const tokenCreate: OpHandler<"token.create"> = async (request, ctx) => {
  if (request.service === undefined && request.anyService !== true)
    return invalid(
      "a token is for one service: give service, or anyService: true for a token any service may use",
    );
  if (request.service !== undefined && request.anyService === true)
    return invalid("service and anyService exclude each other");
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
