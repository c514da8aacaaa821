// Path normalisation (RFC 3986 5.2.4 remove_dot_segments) of an origin-form target, with `%2e`
// counted as a dot: the router matches the path a backend will act on, and forwards that path.

import { RequestError } from "../errors.js";

/**
 * `/a/./b/../c?q` -> `/a/c?q`. The query is kept as it is. A `..` that would climb above `/`
 * throws RequestError("path-above-root"); a target that is not origin-form (`/...`) or holds a
 * fragment throws RequestError("bad-target"). Already-normal paths are returned as they are.
 */
export function normalizePath(target: string): string {
  if (target.charCodeAt(0) !== 47 /* / */) {
    throw new RequestError("bad-target", target, "request target is not an absolute path");
  }
  if (target.includes("#")) throw new RequestError("bad-target", target, "request target holds a fragment");
  const query = target.indexOf("?");
  const pathEnd = query === -1 ? target.length : query;
  if (!mayHoldDotSegment(target, pathEnd)) return target;
  const segments = target.slice(1, pathEnd).split("/");
  const out: string[] = [];
  // A dot-segment at the end leaves a trailing slash: `/a/b/..` -> `/a/`.
  let trailingSlash = false;
  for (const segment of segments) {
    const dots = dotSegment(segment);
    trailingSlash = dots !== 0;
    if (dots === 1) continue;
    if (dots === 2) {
      if (out.length === 0) throw new RequestError("path-above-root", target, "path climbs above /");
      out.pop();
      continue;
    }
    out.push(segment);
  }
  const path = `/${out.join("/")}${trailingSlash && out.length > 0 ? "/" : ""}`;
  return query === -1 ? path : `${path}${target.slice(query)}`;
}

/** True when `target[0, end)` has a segment starting with `.` or `%` (the fast path's test). */
function mayHoldDotSegment(target: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    if (target.charCodeAt(i) !== 47 /* / */) continue;
    const next = target.charCodeAt(i + 1);
    if (next === 46 /* . */ || next === 37 /* % */) return true;
  }
  return false;
}

/** 1 for `.` / `%2e`, 2 for `..` and its encodings (`.%2e`, `%2E%2e`, ...), else 0. */
function dotSegment(segment: string): 0 | 1 | 2 {
  let dots = 0;
  for (let i = 0; i < segment.length; ) {
    if (segment.charCodeAt(i) === 46) i += 1;
    else if (
      segment.charCodeAt(i) === 37 &&
      segment[i + 1] === "2" &&
      (segment[i + 2] === "e" || segment[i + 2] === "E")
    )
      i += 3;
    else return 0;
    dots += 1;
    if (dots > 2) return 0;
  }
  return dots as 0 | 1 | 2;
}
