// `token.revoke`: agents that registered with the token are rejected at their next heartbeat.
import { TOKEN_ID } from "@signalbox/bus";
import { invalid, type OpHandler } from "../op-context.js";

export const tokenRevoke: OpHandler<"token.revoke"> = async (request, ctx) => {
  if (!TOKEN_ID.test(request.id)) {
    return invalid(
      `"${request.id}" is not a token id like tok_0123456789ab (signalbox token list shows them)`,
    );
  }
  const result = await ctx.tokens.revoke(request.id, ctx.clock.now());
  if (!result.ok) return invalid(`no token ${request.id} (signalbox token list shows them)`);
  ctx.logger.info({ op: "token.revoke", id: request.id }, "token revoked");
  return { ok: true, id: request.id };
};
