// A client's request head as the router routes and forwards it: the host from an absolute-form
// target or from the one Host header, and the normalised origin-form path.

import { RequestError } from "../errors.js";
import { parseRequestHost, type RequestHost } from "./host.js";
import { normalizePath } from "./path.js";

export interface NormalizedRequest {
  host: RequestHost;
  /** Origin-form path and query, dot-segments removed: what is matched and what the backend gets. */
  path: string;
}

/**
 * `target` is the request line's target, `hosts` the Host header values in order. An
 * absolute-form target (`http://a.test/x`) is routed by its authority and becomes origin-form
 * (RFC 9112 3.2.2: its authority replaces Host). Anything but exactly one valid Host (absent,
 * repeated, malformed) throws RequestError, as does a target that is neither form.
 */
export function normalizeRequest(target: string, hosts: readonly string[]): NormalizedRequest {
  if (hosts.length > 1) throw new RequestError("bad-host", hosts.join(", "), "more than one Host header");
  if (target.charCodeAt(0) === 47 /* / */) {
    const host = hosts[0];
    if (host === undefined) throw new RequestError("bad-host", "", "no Host header");
    return { host: parseRequestHost(host), path: normalizePath(target) };
  }
  const scheme = /^https?:\/\//i.exec(target);
  if (scheme === null) {
    throw new RequestError("bad-target", target, "request target is neither a path nor an http(s) URL");
  }
  const start = scheme[0].length;
  let end = target.length;
  for (let i = start; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) {
      end = i;
      break;
    }
  }
  // userinfo (`user@host`) has an `@`, which parseRequestHost refuses as it refuses any non-host character.
  const host = parseRequestHost(target.slice(start, end));
  const rest = target.slice(end);
  const path = rest === "" ? "/" : rest.charCodeAt(0) === 63 ? `/${rest}` : rest;
  return { host, path: normalizePath(path) };
}
