// Reading the fields several ops share (pattern, route id) into values or a message that
// names the field and the value, and finding an endpoint of the table by its pattern.
import type { Endpoint, RouteTable } from "@signalbox/route-model";
import { normalizePattern, PatternSyntaxError } from "@signalbox/route-model";

export type Field<T> = { ok: true; value: T } | { ok: false; message: string };

const ROUTE_ID = /^route\d{3,}$/;

/** The normalised pattern (`API.test/` -> `api.test`), or the parser's message with the position. */
export function readPattern(input: string): Field<string> {
  try {
    return { ok: true, value: normalizePattern(input) };
  } catch (error) {
    if (error instanceof PatternSyntaxError) return { ok: false, message: error.message };
    throw error;
  }
}

export function readRouteId(input: string): Field<string> {
  return ROUTE_ID.test(input)
    ? { ok: true, value: input }
    : { ok: false, message: `route id "${input}" is not like route000 (signalbox query lists the ids)` };
}

/** The table's endpoint with this normalised pattern. */
export function findEndpoint(table: RouteTable | undefined, pattern: string): Endpoint | undefined {
  return table?.endpoints.find((endpoint) => samePattern(endpoint.pattern, pattern));
}

function samePattern(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return normalizePattern(a) === b;
  } catch {
    return false;
  }
}

/** `route000, route001` for messages that list what exists. */
export function listRouteIds(ids: Iterable<string>): string {
  const sorted = [...new Set(ids)].sort();
  return sorted.length > 0 ? sorted.join(", ") : "none";
}
