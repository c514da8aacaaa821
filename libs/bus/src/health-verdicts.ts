// A `health.<service>` message as its subscribers must read it: the subject names the
// service and is the authority (NATS permissions can pin who publishes on it); a body that
// claims another service is refused, so no message speaks for a service it is not sent to.
import type { DecodeResult } from "./codec.js";
import { codecs } from "./codecs.js";
import type { HealthMessage } from "./messages/health.js";
import { decodeServiceToken } from "./subjects.js";

const PREFIX = "health.";

/** The message on `subject`, when the subject is `health.<one token>` and the body's service is that token's. */
export function decodeHealthMessage(subject: string, data: Uint8Array): DecodeResult<HealthMessage> {
  const token = subject.startsWith(PREFIX) ? subject.slice(PREFIX.length) : "";
  let service: string;
  try {
    if (token.includes(".")) throw new Error("more than one token");
    service = decodeServiceToken(token);
  } catch {
    return { ok: false, reason: `subject ${JSON.stringify(subject)} is not health.<service>` };
  }
  const decoded = codecs.health.decode(data);
  if (!decoded.ok) return decoded;
  if (decoded.value.service !== service) {
    return {
      ok: false,
      reason: `a health message for service ${JSON.stringify(decoded.value.service)} sent on ${subject}`,
    };
  }
  return decoded;
}
