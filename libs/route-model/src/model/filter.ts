// FilterSpec validation: one entry of an endpoint's filter chain (see types.ts FilterSpec).
import { ValidationError } from "../errors.js";
import {
  fieldPath,
  readArray,
  readBoolean,
  readNumber,
  readRecord,
  readString,
  readStringMap,
} from "./fields.js";
import type { FilterSpec } from "./types.js";

const FILTER_TYPES = [
  "strip-prefix",
  "request-headers",
  "response-headers",
  "redirect-https",
  "rate-limit",
  "hsts",
];
/** Ten years: a longer max-age is a typo. */
const HSTS_MAX_AGE = 315_360_000;
/** What the browsers' preload list requires (hstspreload.org): a year, subdomains included. */
const HSTS_PRELOAD_MIN_AGE = 31_536_000;
const REDIRECT_STATUSES = [301, 302, 307, 308] as const;
/** RFC 9110 token: the characters a header name may use. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What a header value may never hold, whoever wrote the table (it would split the request head). */
const HEADER_VALUE_FORBIDDEN = /[\r\n\0]/;
/** RFC 9110 5.5 field-value: visible characters, obs-text, inner spaces and tabs; no CR, LF, NUL or controls. */
const HEADER_VALUE = /^([\x21-\x7e\x80-\xff]([\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?$/;
/**
 * Names a filter may not touch: hop-by-hop headers (RFC 9110 7.6.1) belong to one connection and
 * the router sets them itself, and Content-Length frames the body.
 */
const RESERVED_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-length",
]);

/**
 * Validates one FilterSpec by its `type`: strip-prefix `prefix` starts with `/`; header filters
 * take `set` (header names, values without CR/LF/NUL) and `remove` (header names);
 * redirect-https `status` is 301, 302, 307 or 308; rate-limit needs `ratePerSecond` > 0 and an
 * integer `burst` >= 1; hsts a whole `maxAge` in seconds (0 tells browsers to forget), and
 * `preload` only with `includeSubDomains` and a year or more. Unknown fields are dropped.
 * Throws ValidationError naming the field.
 */
export function parseFilterSpec(x: unknown, at = ""): FilterSpec {
  const record = readRecord(x, at);
  const field = (name: string) => fieldPath(at, name);
  switch (record.type) {
    case "strip-prefix": {
      if (record.prefix === undefined) return { type: "strip-prefix" };
      const prefix = readString(record.prefix, field("prefix"));
      if (!prefix.startsWith("/"))
        throw new ValidationError(field("prefix"), prefix, "does not start with /");
      return { type: "strip-prefix", prefix };
    }
    case "request-headers":
    case "response-headers": {
      const spec: Extract<FilterSpec, { type: "request-headers" | "response-headers" }> = {
        type: record.type,
      };
      if (record.set !== undefined) spec.set = readHeaderSet(record.set, field("set"));
      if (record.remove !== undefined) spec.remove = readHeaderNames(record.remove, field("remove"));
      return spec;
    }
    case "redirect-https": {
      if (record.status === undefined) return { type: "redirect-https" };
      const status = REDIRECT_STATUSES.find((s) => s === record.status);
      if (status === undefined) {
        throw new ValidationError(
          field("status"),
          record.status,
          `is not one of ${REDIRECT_STATUSES.join(", ")}`,
        );
      }
      return { type: "redirect-https", status };
    }
    case "rate-limit": {
      const ratePerSecond = readNumber(record.ratePerSecond, field("ratePerSecond"), {
        min: 0,
        max: Number.MAX_SAFE_INTEGER,
      });
      if (ratePerSecond === 0) throw new ValidationError(field("ratePerSecond"), 0, "is not greater than 0");
      const burst = readNumber(record.burst, field("burst"), {
        min: 1,
        max: Number.MAX_SAFE_INTEGER,
        integer: true,
      });
      return { type: "rate-limit", ratePerSecond, burst };
    }
    case "hsts":
      return readHsts(record, field);
    default:
      throw new ValidationError(
        field("type"),
        record.type,
        `is not a filter type (${FILTER_TYPES.join(", ")})`,
      );
  }
}

function readHsts(record: Record<string, unknown>, field: (name: string) => string): FilterSpec {
  const maxAge = readNumber(record.maxAge, field("maxAge"), { min: 0, max: HSTS_MAX_AGE, integer: true });
  const spec: Extract<FilterSpec, { type: "hsts" }> = { type: "hsts", maxAge };
  if (record.includeSubDomains !== undefined) {
    spec.includeSubDomains = readBoolean(record.includeSubDomains, field("includeSubDomains"));
  }
  if (record.preload !== undefined) spec.preload = readBoolean(record.preload, field("preload"));
  if (spec.preload === true && (spec.includeSubDomains !== true || maxAge < HSTS_PRELOAD_MIN_AGE)) {
    throw new ValidationError(
      field("preload"),
      true,
      `needs includeSubDomains: true and maxAge >= ${HSTS_PRELOAD_MIN_AGE} (the preload list's rules)`,
    );
  }
  return spec;
}

function readHeaderSet(x: unknown, at: string): Record<string, string> {
  const set = readStringMap(x, at);
  for (const [name, value] of Object.entries(set)) {
    if (!HEADER_NAME.test(name)) throw new ValidationError(at, name, "has a key that is not a header name");
    if (HEADER_VALUE_FORBIDDEN.test(value)) {
      throw new ValidationError(fieldPath(at, name), value, "contains CR, LF or NUL");
    }
  }
  return set;
}

function readHeaderNames(x: unknown, at: string): string[] {
  return readArray(x, at).map((name, i) => {
    if (typeof name !== "string" || !HEADER_NAME.test(name)) {
      throw new ValidationError(fieldPath(at, `[${i}]`), name, "is not a header name");
    }
    return name;
  });
}

/**
 * The stricter rules a header filter must meet to be applied: `set` values are RFC 9110
 * field-values (no control characters, no leading or trailing space, nothing past U+00FF) and
 * neither `set` nor `remove` names a hop-by-hop header or Content-Length, which belong to the
 * connection and the router. Throws ValidationError naming the field (`at` prefixes it).
 * Apart from parseFilterSpec so that a table already stored with such a filter still loads:
 * compileTable leaves its endpoint out with a warning, inputs refuse it at once.
 */
export function checkFilterHeaders(spec: FilterSpec, at = ""): void {
  if (spec.type !== "request-headers" && spec.type !== "response-headers") return;
  const setAt = fieldPath(at, "set");
  for (const [name, value] of Object.entries(spec.set ?? {})) {
    checkHeaderName(name, setAt);
    if (!HEADER_VALUE.test(value)) {
      throw new ValidationError(
        fieldPath(setAt, name),
        value,
        "is not a header value (visible characters and inner spaces only: no controls, nothing past U+00FF)",
      );
    }
  }
  const removeAt = fieldPath(at, "remove");
  for (const [i, name] of (spec.remove ?? []).entries()) checkHeaderName(name, fieldPath(removeAt, `[${i}]`));
}

function checkHeaderName(name: string, at: string): void {
  if (RESERVED_HEADERS.has(name.toLowerCase())) {
    throw new ValidationError(
      at,
      name,
      "is a hop-by-hop header (or Content-Length), which filters may not change",
    );
  }
}
