// redirect-https: a plain-HTTP request is answered with a redirect to the same URL on https.

import type { Filter } from "./filter.js";

/**
 * `http://Host:8080/a?b` -> `<status> Location: https://host/a?b` (default 301); https passes.
 * The host is the validated one the request was matched by, so no client text but a host name
 * and the normalised path reaches the Location.
 */
export function createRedirectHttps(status: 301 | 302 | 307 | 308 = 301): Filter {
  return {
    onRequest(req) {
      if (req.proto === "https") return undefined;
      const location = `https://${req.hostname}${req.path}`;
      return { kind: "respond", status, headers: ["location", location, "content-length", "0"] };
    },
  };
}
