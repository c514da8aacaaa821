// Canonical JSON of table entries: the same content gives the same text whatever the order of
// object keys, of an endpoint's routes (keyed by id) or of a label map.
import type { Backend, Endpoint } from "../model/types.js";

/**
 * JSON with object keys sorted at every depth and `undefined` members dropped; arrays keep their
 * order (a filter chain's order matters).
 */
function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** Canonical text of an endpoint: routes sorted by id, everything else as it is (filters in order). */
export function canonicalEndpoint(endpoint: Endpoint): string {
  const routes = [...endpoint.routes].sort((a, b) => compareText(a.id, b.id));
  return canonicalJson({ ...endpoint, routes });
}

/** Canonical text of a backend. */
export function canonicalBackend(backend: Backend): string {
  return canonicalJson(backend);
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(compareText)) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) sorted[key] = sortKeys(member);
  }
  return sorted;
}
