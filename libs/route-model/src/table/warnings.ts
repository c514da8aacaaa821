// Compile warnings: what the control API and the dashboard show about a table that still works.
import { formatPattern, type ParsedPattern } from "../pattern/parse.js";
import type { CompiledEndpoint } from "./compile.js";

export type TableWarningKind =
  /** Another endpoint normalises to the same pattern and takes all its requests. */
  | "shadowed-endpoint"
  /** A route that can never be picked: weight 0 on every route of its endpoint, or no backend matches. */
  | "unpickable-route"
  /** An endpoint without routes: it answers 503. */
  | "empty-endpoint"
  /** An endpoint whose pattern does not parse: left out of the compiled table. */
  | "invalid-endpoint"
  /** A route whose selector, strategy or weight is invalid: left out of its endpoint. */
  | "invalid-route";

export interface TableWarning {
  kind: TableWarningKind;
  /** The endpoint's pattern as the table writes it. */
  pattern: string;
  routeId?: string;
  message: string;
}

/** A warning for a table entry that could not be compiled, naming it and the reason. */
export function invalidEntryWarning(
  kind: "invalid-endpoint" | "invalid-route",
  pattern: string,
  routeId: string | undefined,
  error: unknown,
): TableWarning {
  const reason = error instanceof Error ? error.message : String(error);
  if (routeId === undefined) return { kind, pattern, message: `endpoint ${pattern} is left out: ${reason}` };
  return { kind, pattern, routeId, message: `route ${routeId} of ${pattern} is left out: ${reason}` };
}

/**
 * Shadowed-endpoint warnings for the compiled endpoints, in table order, by position: an endpoint
 * is shadowed when an earlier one normalises to the same pattern (`API.test/` after `api.test`, or
 * the same text again), as the endpoint index's first-wins rule has it (EndpointIndex.shadowedBy).
 */
export function shadowedWarnings(
  endpoints: readonly { pattern: string; parsed: ParsedPattern }[],
): (TableWarning | undefined)[] {
  const winners = new Map<string, string>();
  return endpoints.map(({ pattern, parsed }) => {
    const canonical = formatPattern(parsed);
    const winner = winners.get(canonical);
    if (winner === undefined) {
      winners.set(canonical, pattern);
      return undefined;
    }
    return {
      kind: "shadowed-endpoint",
      pattern,
      message: `endpoint ${pattern} never gets a request: ${winner} takes all of them`,
    };
  });
}

/**
 * An endpoint without routes, and its routes that can never be picked: all routes of the endpoint
 * at weight 0, or a selector that matches no backend. A single route at weight 0 beside weighted
 * ones is a shaped canary, not a warning. In route order.
 */
export function endpointWarnings(compiled: CompiledEndpoint): TableWarning[] {
  const warnings: TableWarning[] = [];
  const pattern = compiled.endpoint.pattern;
  if (compiled.endpoint.routes.length === 0) {
    warnings.push({
      kind: "empty-endpoint",
      pattern,
      message: `endpoint ${pattern} has no routes: it answers 503`,
    });
  }
  const allZero = compiled.routes.length > 0 && compiled.routes.every(({ route }) => route.weight === 0);
  for (const { route, backends } of compiled.routes) {
    if (allZero) {
      warnings.push({
        kind: "unpickable-route",
        pattern,
        routeId: route.id,
        message: `route ${route.id} of ${pattern} has weight 0, as every route of the endpoint: it answers 503`,
      });
    }
    if (backends.length === 0) {
      warnings.push({
        kind: "unpickable-route",
        pattern,
        routeId: route.id,
        message: `route ${route.id} of ${pattern}: selector ${JSON.stringify(route.selector)} matches no backend`,
      });
    }
  }
  return warnings;
}
