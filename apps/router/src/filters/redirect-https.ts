// redirect-https: a plain-HTTP request is answered with a redirect to the same URL on https.

import { hostFromHeader } from "@signalbox/route-model";
import type { Filter } from "./filter.js";

/** `http://Host:8080/a?b` -> `<status> Location: https://host/a?b` (default 301); https passes. */
export function createRedirectHttps(status: 301 | 302 | 307 | 308 = 301): Filter {
  return {
    onRequest(req) {
      if (req.proto === "https") return undefined;
      const location = `https://${hostFromHeader(req.host)}${req.path}`;
      return { kind: "respond", status, headers: ["location", location, "content-length", "0"] };
    },
  };
}
