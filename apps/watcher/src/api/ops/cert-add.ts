// `cert.add`: checks the chain and key (key matches, chain in order, valid now) and stores them in
// signalbox-certs under `cert.<id>`; `default` makes it the certificate served when SNI finds none.
// The key is never logged and never part of a reply.
import { CERT_ID } from "@signalbox/bus";
import { checkCertificate } from "@signalbox/tls";
import { certIdFor } from "../../certs/cert-id.js";
import { certRecordOf } from "../../certs/cert-record.js";
import { invalid, type OpHandler } from "../op-context.js";

export const certAdd: OpHandler<"cert.add"> = async (request, ctx) => {
  const now = ctx.clock.now();
  const check = checkCertificate({ chainPem: request.chainPem, keyPem: request.keyPem, now });
  if (!check.ok) return invalid(check.reason);
  const { facts } = check;
  if (request.id !== undefined && !CERT_ID.test(request.id)) {
    return invalid(
      `id "${request.id}" is not lower-case letters, digits, - and _ (at most 63, first a letter or digit)`,
    );
  }
  const id = request.id ?? certIdFor(facts.names[0] ?? "");
  const record = certRecordOf({
    id,
    facts,
    chainPem: request.chainPem,
    keyPem: request.keyPem,
    source: "api",
    now,
  });
  const replaced = await ctx.certs.put(record);
  if (request.default === true) await ctx.certs.setDefault(id);
  const isDefault = request.default === true || (await ctx.certs.defaultId()) === id;
  ctx.logger.info(
    {
      op: "cert.add",
      id,
      names: facts.names,
      notAfter: new Date(facts.notAfter).toISOString(),
      replaced,
      default: isDefault,
    },
    "certificate added",
  );
  return { ok: true, id, names: facts.names, notAfter: facts.notAfter, default: isDefault, replaced };
};
