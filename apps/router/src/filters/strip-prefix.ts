// strip-prefix: the backend sees the path without the endpoint's prefix (or the one the spec names).

import type { Filter, FilterRequest } from "./filter.js";

/**
 * Removes `prefix` when the path starts with it on a segment boundary: `/blog/a?x` -> `/a?x`,
 * `/blog` -> `/`, `/blogger` unchanged. A prefix of "/" or "" changes nothing.
 */
export function createStripPrefix(prefix: string): Filter {
  const trimmed = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  if (trimmed === "") return {};
  return {
    onRequest(req: FilterRequest) {
      req.path = stripPrefix(req.path, trimmed);
      return undefined;
    },
  };
}

export function stripPrefix(path: string, prefix: string): string {
  if (!path.startsWith(prefix)) return path;
  const next = path.charCodeAt(prefix.length);
  if (Number.isNaN(next)) return "/";
  if (next === 47 /* / */) return path.slice(prefix.length);
  if (next === 63 /* ? */) return `/${path.slice(prefix.length)}`;
  return path;
}
