// Endpoint lookup by host and path: host maps plus a per-host path trie, no scan over endpoints.
import { formatPattern, hostFromHeader, type ParsedPattern, parsePattern } from "./parse.js";

/** The most specific entry for a request, and which entries can never be reached. */
export interface EndpointIndex<T> {
  /**
   * The value of the most specific pattern matching `host` and `path`, or undefined (a 404).
   * `host` is compared as hostFromHeader gives it (case and port do not matter); `path` is the raw
   * request path, case-sensitive, with any `?query` ignored; empty segments (`//`) are skipped.
   */
  match(host: string, path: string): T | undefined;
  /**
   * The patterns that take every request `pattern` could match, so an endpoint with it never gets
   * traffic: the first entry normalising to the same pattern (`API.test/` after `api.test`). An entry
   * is not shadowed by itself, unless the same text appears twice (the later copy never matches).
   * Under the matching rules no other pattern covers all of another's hosts and paths. Throws
   * PatternSyntaxError when `pattern` does not parse.
   */
  shadowedBy(pattern: string): string[];
}

interface PathNode<T> {
  entry: { pattern: string; value: T } | undefined;
  children: Map<string, PathNode<T>> | undefined;
}

/** Every node gets both fields up front: one object shape keeps the lookup's property reads monomorphic. */
function createNode<T>(): PathNode<T> {
  return { entry: undefined, children: undefined };
}

/**
 * Indexes endpoint patterns (contract: ARCHITECTURE.md "Semantics pinned down", Host matching).
 * A request goes to the most specific pattern that matches both its host and its path:
 * 1. an exact host beats any wildcard; among wildcards the longest suffix wins (`*.a.example.com`
 *    over `*.example.com`); `*.example.com` matches every name under example.com at any depth, never
 *    example.com itself;
 * 2. within a host, the longest path prefix on a segment boundary wins (`/blog` matches `/blog`,
 *    `/blog/` and `/blog/x`, not `/blogger`);
 * 3. when the most specific host has no pattern whose path matches, the lookup falls back to the
 *    next host pattern that matches both: with `a.example.com/y` and `*.example.com`, a request for
 *    a.example.com/x goes to `*.example.com`, as an operator who wrote both would expect, not a 404.
 * Entries that normalise to the same pattern keep the first one's value. Cost per lookup depends on
 * the host's label count and the path's depth, not on the number of endpoints (a map per host, a
 * segment trie per host). Throws PatternSyntaxError on the first pattern that does not parse;
 * an entry may bring its pattern already parsed (`parsed`, as parsePattern gives it).
 */
export function createEndpointIndex<T>(
  entries: { pattern: string; value: T; parsed?: ParsedPattern }[],
): EndpointIndex<T> {
  const exactHosts = new Map<string, PathNode<T>>();
  const wildcardHosts = new Map<string, PathNode<T>>();
  /** Canonical pattern -> the texts indexed under it, in entry order (the first one wins). */
  const texts = new Map<string, string[]>();

  for (const { pattern, value, parsed: given } of entries) {
    const parsed = given ?? parsePattern(pattern);
    const hosts = parsed.wildcard ? wildcardHosts : exactHosts;
    let node = hosts.get(parsed.host);
    if (node === undefined) {
      node = createNode();
      hosts.set(parsed.host, node);
    }
    for (const segment of parsed.pathPrefix.split("/")) {
      if (segment === "") continue;
      node.children ??= new Map();
      let child = node.children.get(segment);
      if (child === undefined) {
        child = createNode();
        node.children.set(segment, child);
      }
      node = child;
    }
    node.entry ??= { pattern, value };
    const canonical = formatPattern(parsed);
    const same = texts.get(canonical);
    if (same === undefined) texts.set(canonical, [pattern]);
    else same.push(pattern);
  }

  return {
    match(rawHost, path) {
      const host = hostFromHeader(rawHost);
      const exact = exactHosts.get(host);
      const found = exact === undefined ? undefined : longestPrefix(exact, path);
      if (found !== undefined || wildcardHosts.size === 0) return found?.value;
      for (let dot = host.indexOf("."); dot !== -1; dot = host.indexOf(".", dot + 1)) {
        const wildcard = wildcardHosts.get(host.slice(dot + 1));
        const entry = wildcard === undefined ? undefined : longestPrefix(wildcard, path);
        if (entry !== undefined) return entry.value;
      }
      return undefined;
    },
    shadowedBy(pattern) {
      const same = texts.get(formatPattern(parsePattern(pattern)));
      const winner = same?.[0];
      if (same === undefined || winner === undefined) return [];
      if (winner !== pattern || same.indexOf(pattern, 1) !== -1) return [winner];
      return [];
    },
  };
}

/** The deepest entry on `path`'s segments under `root` (the root's own entry is the pattern with path "/"). */
function longestPrefix<T>(root: PathNode<T>, path: string): PathNode<T>["entry"] {
  const query = path.indexOf("?");
  const end = query === -1 ? path.length : query;
  let node = root;
  let best = root.entry;
  let start = path.startsWith("/") ? 1 : 0;
  while (start < end && node.children !== undefined) {
    let stop = path.indexOf("/", start);
    if (stop === -1 || stop > end) stop = end;
    if (stop > start) {
      const child = node.children.get(path.slice(start, stop));
      if (child === undefined) break;
      node = child;
      if (child.entry !== undefined) best = child.entry;
    }
    start = stop + 1;
  }
  return best;
}
