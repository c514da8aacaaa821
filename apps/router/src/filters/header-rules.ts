// request-headers and response-headers: remove, then set, on a flat header list.

import { setHeader } from "../forward/headers.js";
import type { Filter } from "./filter.js";

export interface HeaderRules {
  set?: Record<string, string>;
  remove?: string[];
}

/** Removes the `remove` names, then replaces each `set` name with its value (names case-insensitive). */
export function applyHeaderRules(headers: string[], rules: HeaderRules): void {
  for (const name of rules.remove ?? []) setHeader(headers, name.toLowerCase(), undefined);
  for (const [name, value] of Object.entries(rules.set ?? {})) setHeader(headers, name.toLowerCase(), value);
}

/** Rewrites the headers sent to the backend. */
export function createRequestHeaders(rules: HeaderRules): Filter {
  return {
    onRequest(req) {
      applyHeaderRules(req.headers, rules);
      return undefined;
    },
  };
}

/** Rewrites the headers sent back to the client. */
export function createResponseHeaders(rules: HeaderRules): Filter {
  return { onResponse: (headers) => applyHeaderRules(headers, rules) };
}
