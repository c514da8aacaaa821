// `cert.list`: every certificate without its key, which one is the default and the endpoints of
// the current table each one covers.
import { namesCoverPattern } from "@signalbox/tls";
import type { OpHandler } from "../op-context.js";

export const certList: OpHandler<"cert.list"> = async (_request, ctx) => {
  const [summaries, defaultId] = await Promise.all([ctx.certs.list(), ctx.certs.defaultId()]);
  const patterns = ctx.tables.current()?.endpoints.map((endpoint) => endpoint.pattern) ?? [];
  return {
    ok: true,
    certificates: summaries.map((summary) => ({
      ...summary,
      default: summary.id === defaultId,
      endpoints: patterns.filter((pattern) => namesCoverPattern(summary.names, pattern)),
    })),
  };
};
