// Endpoint validation: a pattern that parses, routes with unique ids, a filter chain.
import { PatternSyntaxError, ValidationError } from "../errors.js";
import { parsePattern } from "../pattern/parse.js";
import { fieldPath, readArray, readBoolean, readRecord } from "./fields.js";
import { parseFilterSpec } from "./filter.js";
import { parseRoute } from "./route.js";
import type { Endpoint } from "./types.js";

/**
 * Validates an Endpoint: `pattern` parses (PatternSyntaxError kept as the cause; the pattern is
 * kept as written), every route is valid and route ids are unique within the endpoint, every
 * filter is valid, `sticky`/`healthRequire`/`tls` are booleans when present. Throws ValidationError
 * whose field is the path below `at` (`endpoints[0].routes[1].weight`).
 */
export function parseEndpoint(x: unknown, at = ""): Endpoint {
  const record = readRecord(x, at);
  const field = (name: string) => fieldPath(at, name);
  const pattern = readPattern(record.pattern, field("pattern"));
  const routesField = field("routes");
  const seenRouteIds = new Set<string>();
  const routes = readArray(record.routes, routesField).map((route, i) => {
    const parsed = parseRoute(route, fieldPath(routesField, `[${i}]`));
    if (seenRouteIds.has(parsed.id)) {
      throw new ValidationError(fieldPath(routesField, `[${i}].id`), parsed.id, "is a duplicate route id");
    }
    seenRouteIds.add(parsed.id);
    return parsed;
  });
  const filtersField = field("filters");
  const filters = readArray(record.filters, filtersField).map((filter, i) =>
    parseFilterSpec(filter, fieldPath(filtersField, `[${i}]`)),
  );
  const endpoint: Endpoint = { pattern, routes, filters };
  if (record.sticky !== undefined) endpoint.sticky = readBoolean(record.sticky, field("sticky"));
  if (record.healthRequire !== undefined) {
    endpoint.healthRequire = readBoolean(record.healthRequire, field("healthRequire"));
  }
  if (record.tls !== undefined) endpoint.tls = readBoolean(record.tls, field("tls"));
  return endpoint;
}

function readPattern(x: unknown, field: string): string {
  if (typeof x !== "string") throw new ValidationError(field, x, "is not a pattern string");
  try {
    parsePattern(x);
  } catch (error) {
    if (!(error instanceof PatternSyntaxError)) throw error;
    throw new ValidationError(field, x, `is not a valid pattern (at position ${error.position})`, {
      cause: error,
    });
  }
  return x;
}
