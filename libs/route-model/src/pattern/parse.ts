// Endpoint pattern syntax: "[*.]host[/path]" -> host, wildcard flag and path prefix; Host header -> host.
import { PatternSyntaxError } from "../errors.js";

/** A parsed endpoint pattern: `host` lowercased without "*.", `pathPrefix` "/" or "/blog" (no trailing "/"). */
export interface ParsedPattern {
  host: string;
  wildcard: boolean;
  pathPrefix: string;
}

const MAX_LABEL_LENGTH = 63;

/**
 * Parses an endpoint pattern (contract: Endpoint.pattern): `example.com`, `www.example.com/blog`,
 * `*.example.com/api`, `[::1]/x`. The host is DNS labels of letters, digits and `-` (not at a label's
 * start or end, at most 63 characters), case-insensitive, or an IPv6 literal in brackets; a `*.`
 * prefix, only at the very start, makes it a wildcard. The path, if any, is `/`-separated non-empty
 * segments without whitespace, `?` or `#`; one trailing `/` is dropped (`api.test/` = `api.test`).
 * Throws PatternSyntaxError with the 0-based position of the problem.
 */
export function parsePattern(pattern: string): ParsedPattern {
  const wildcard = pattern.startsWith("*.");
  const hostStart = wildcard ? 2 : 0;
  const slash = pattern.indexOf("/", hostStart);
  const hostEnd = slash === -1 ? pattern.length : slash;
  const host =
    pattern[hostStart] === "["
      ? parseIpv6Host(pattern, hostStart, hostEnd, wildcard)
      : parseDnsHost(pattern, hostStart, hostEnd);
  const pathPrefix = slash === -1 ? "/" : parsePath(pattern, slash);
  return { host, wildcard, pathPrefix };
}

/** The canonical text of a pattern: `API.test/` -> `api.test`, `*.X.com/api/` -> `*.x.com/api`. */
export function normalizePattern(pattern: string): string {
  return formatPattern(parsePattern(pattern));
}

/** Writes a parsed pattern back in canonical form (the inverse of parsePattern on canonical text). */
export function formatPattern({ host, wildcard, pathPrefix }: ParsedPattern): string {
  return `${wildcard ? "*." : ""}${host}${pathPrefix === "/" ? "" : pathPrefix}`;
}

/**
 * The host a request names, as endpoint patterns compare it: lowercased, without the port
 * (`Example.com:8080` -> `example.com`, `[::1]:80` -> `[::1]`) and without a trailing dot
 * (`example.com.` is the same name). A missing header gives "", which matches no endpoint.
 */
export function hostFromHeader(hostHeader: string | undefined): string {
  if (hostHeader === undefined) return "";
  let host = hostHeader;
  if (host.startsWith("[")) {
    const close = host.indexOf("]");
    if (close !== -1) host = host.slice(0, close + 1);
  } else {
    const colon = host.indexOf(":");
    // More than one colon is a bare IPv6 address (invalid in Host), kept whole rather than cut.
    if (colon !== -1 && host.indexOf(":", colon + 1) === -1) host = host.slice(0, colon);
    if (host.endsWith(".")) host = host.slice(0, -1);
  }
  return host.toLowerCase();
}

function parseDnsHost(pattern: string, start: number, end: number): string {
  let labelStart = start;
  for (let i = start; i <= end; i++) {
    const c = i === end ? "." : (pattern[i] ?? "");
    if (/[A-Za-z0-9]/.test(c)) continue;
    if (c === "-") {
      if (i === labelStart) throw syntaxError(pattern, i, "a host label cannot start with '-'");
      continue;
    }
    if (c === ".") {
      if (i === labelStart) {
        const what = i === end && i === start ? "a host" : "a host label (letters, digits, '-')";
        throw syntaxError(pattern, i, `expected ${what}, found ${describe(pattern, i)}`);
      }
      if (pattern[i - 1] === "-") throw syntaxError(pattern, i - 1, "a host label cannot end with '-'");
      if (i - labelStart > MAX_LABEL_LENGTH) {
        throw syntaxError(pattern, labelStart, `a host label is at most ${MAX_LABEL_LENGTH} characters`);
      }
      labelStart = i + 1;
      continue;
    }
    if (c === "*") throw syntaxError(pattern, i, "'*' is allowed only as a leading '*.'");
    throw syntaxError(pattern, i, `expected a letter, digit, '-', '.' or '/', found ${describe(pattern, i)}`);
  }
  return pattern.slice(start, end).toLowerCase();
}

function parseIpv6Host(pattern: string, start: number, end: number, wildcard: boolean): string {
  if (wildcard) throw syntaxError(pattern, start, "a wildcard host cannot be an IPv6 literal");
  const close = pattern.indexOf("]", start);
  if (close === -1 || close > end)
    throw syntaxError(pattern, end, `expected ']', found ${describe(pattern, end)}`);
  if (close + 1 !== end)
    throw syntaxError(pattern, close + 1, `expected '/', found ${describe(pattern, close + 1)}`);
  for (let i = start + 1; i < close; i++) {
    if (!/[0-9A-Fa-f:.]/.test(pattern[i] ?? "")) {
      throw syntaxError(
        pattern,
        i,
        `expected a hex digit, ':' or '.' in the IPv6 address, found ${describe(pattern, i)}`,
      );
    }
  }
  if (!pattern.slice(start, close).includes(":")) {
    throw syntaxError(pattern, start + 1, "expected an IPv6 address (with ':') inside '[...]'");
  }
  return pattern.slice(start, end).toLowerCase();
}

function parsePath(pattern: string, slash: number): string {
  const end = pattern.endsWith("/") && pattern.length - 1 > slash ? pattern.length - 1 : pattern.length;
  for (let i = slash; i < end; i++) {
    const c = pattern[i] ?? "";
    if (c === "/" && i + 1 < pattern.length && pattern[i + 1] === "/") {
      throw syntaxError(pattern, i + 1, "expected a path segment, found '/' (empty segment)");
    }
    if (/[\s?#]/.test(c) || c < " ") {
      throw syntaxError(pattern, i, `expected a path character, found ${describe(pattern, i)}`);
    }
  }
  const path = pattern.slice(slash, end);
  return path === "" ? "/" : path;
}

function describe(pattern: string, position: number): string {
  return position >= pattern.length ? "the end of the pattern" : JSON.stringify(pattern[position]);
}

function syntaxError(pattern: string, position: number, reason: string): PatternSyntaxError {
  return new PatternSyntaxError(pattern, position, reason);
}
