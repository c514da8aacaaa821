// RouteTable validation: version, generatedAt, endpoints with distinct patterns, backends with
// distinct ids.
import { ValidationError } from "../errors.js";
import { normalizePattern } from "../pattern/parse.js";
import { parseBackend } from "./backend.js";
import { parseEndpoint } from "./endpoint.js";
import { readArray, readNumber, readRecord } from "./fields.js";
import type { RouteTable } from "./types.js";

/**
 * Validates a RouteTable: `version` an integer >= 0, `generatedAt` epoch ms, every endpoint and
 * backend valid, no two endpoints with the same normalized pattern (`api.test/` = `api.test`),
 * no two backends with the same id. Throws ValidationError naming the full path
 * (`backends[3].address`, `endpoints[0].routes[1].weight`) and the bad value.
 */
export function parseRouteTable(x: unknown): RouteTable {
  const record = readRecord(x, "");
  const version = readNumber(record.version, "version", {
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    integer: true,
  });
  const generatedAt = readNumber(record.generatedAt, "generatedAt", { min: 0, max: Number.MAX_SAFE_INTEGER });
  const patterns = new Set<string>();
  const endpoints = readArray(record.endpoints, "endpoints").map((entry, i) => {
    const endpoint = parseEndpoint(entry, `endpoints[${i}]`);
    const key = normalizePattern(endpoint.pattern);
    if (patterns.has(key)) {
      throw new ValidationError(
        `endpoints[${i}].pattern`,
        endpoint.pattern,
        "duplicates another endpoint's pattern",
      );
    }
    patterns.add(key);
    return endpoint;
  });
  const ids = new Set<string>();
  const backends = readArray(record.backends, "backends").map((entry, i) => {
    const backend = parseBackend(entry, `backends[${i}]`);
    if (ids.has(backend.id))
      throw new ValidationError(`backends[${i}].id`, backend.id, "is a duplicate backend id");
    ids.add(backend.id);
    return backend;
  });
  return { version, generatedAt, endpoints, backends };
}
