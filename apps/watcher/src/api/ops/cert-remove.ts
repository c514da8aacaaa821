// `cert.remove`: routers stop serving it for new handshakes (open connections keep theirs).
import { CERT_ID } from "@signalbox/bus";
import { invalid, type OpHandler } from "../op-context.js";

export const certRemove: OpHandler<"cert.remove"> = async (request, ctx) => {
  const unknown = () => invalid(`no certificate "${request.id}" (signalbox cert list shows them)`);
  if (!CERT_ID.test(request.id)) return unknown();
  const result = await ctx.certs.remove(request.id);
  if (!result.removed) return unknown();
  ctx.logger.info(
    { op: "cert.remove", id: request.id, wasDefault: result.wasDefault },
    "certificate removed",
  );
  return { ok: true, id: request.id, wasDefault: result.wasDefault };
};
