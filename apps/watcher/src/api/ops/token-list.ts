// `token.list`: every token's id, scope and dates; never a secret, not even its hash.
import type { OpHandler } from "../op-context.js";

export const tokenList: OpHandler<"token.list"> = async (_request, ctx) => {
  const records = await ctx.tokens.list();
  return { ok: true, tokens: records.map(({ hash: _hash, ...summary }) => summary) };
};
