// hsts: Strict-Transport-Security on the answers to HTTPS requests. Never on plain HTTP (RFC 6797
// 7.2: a host must not send it over an insecure transport); redirect-https brings clients over first.

import { setHeader } from "../forward/headers.js";
import type { Filter } from "./filter.js";

export interface HstsRules {
  maxAge: number;
  includeSubDomains?: boolean;
  preload?: boolean;
}

/** `max-age=<s>[; includeSubDomains][; preload]`, replacing one a backend sent. */
export function createHsts(rules: HstsRules): Filter {
  const value = [
    `max-age=${rules.maxAge}`,
    ...(rules.includeSubDomains === true ? ["includeSubDomains"] : []),
    ...(rules.preload === true ? ["preload"] : []),
  ].join("; ");
  return {
    onResponse(headers, req) {
      if (req.proto === "https") setHeader(headers, "strict-transport-security", value);
    },
  };
}
