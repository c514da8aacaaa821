// `route.add`: a new API route on an endpoint (created when new), with the lowest `routeNNN`
// no route of that endpoint uses, persisted in signalbox-config with that id.
import type { FilterSpec } from "@signalbox/route-model";
import {
  checkFilterHeaders,
  parseFilterSpec,
  parseSelector,
  parseStrategy,
  SelectorSyntaxError,
  ValidationError,
} from "@signalbox/route-model";
import { formatRouteId } from "../../table/route-ids.js";
import { awaitTable } from "../await-table.js";
import { invalid, type OpHandler } from "../op-context.js";
import { findEndpoint, readPattern } from "../request-fields.js";

export const DEFAULT_ROUTE_WEIGHT = 100;
export const DEFAULT_ROUTE_STRATEGY = "round-robin";

export const routeAdd: OpHandler<"route.add"> = async (request, ctx) => {
  const pattern = readPattern(request.pattern);
  if (!pattern.ok) return invalid(pattern.message);
  const selectorProblem = checkSelector(request.selector);
  if (selectorProblem) return invalid(selectorProblem);
  const strategy = request.strategy ?? DEFAULT_ROUTE_STRATEGY;
  const strategyProblem = checkStrategy(strategy);
  if (strategyProblem) return invalid(strategyProblem);
  const filters = request.filters === undefined ? undefined : readFilters(request.filters);
  if (filters && !filters.ok) return invalid(filters.message);

  const before = await ctx.records.readEndpoint(pattern.value);
  const inTable = findEndpoint(ctx.tables.current(), pattern.value)?.routes ?? [];
  const routeId = lowestFreeRouteId([...(before.value?.routes ?? []), ...inTable].map((route) => route.id));

  // A `shape` override left behind by a removed route of the same id must not apply to this one.
  const shape = await ctx.records.readShape(pattern.value);
  if (shape.value && routeId in shape.value.weights) {
    const { [routeId]: _stale, ...weights } = shape.value.weights;
    await ctx.records.writeShape(pattern.value, shape, { pattern: pattern.value, weights });
  }

  const route = {
    id: routeId,
    selector: request.selector,
    weight: request.weight ?? DEFAULT_ROUTE_WEIGHT,
    strategy,
  };
  await ctx.records.writeEndpoint(pattern.value, before, {
    pattern: pattern.value,
    filters: filters?.value ?? before.value?.filters ?? [],
    routes: [...(before.value?.routes ?? []), route],
  });
  ctx.logger.info({ op: "route.add", pattern: pattern.value, route }, "route added");
  await awaitTable(ctx, (table) =>
    Boolean(
      findEndpoint(table, pattern.value)?.routes.some(
        (r) => r.id === routeId && r.selector === route.selector,
      ),
    ),
  );
  return { ok: true, pattern: pattern.value, routeId };
};

/** `route000`, `route001`, ...: the first not in `used` (ids are unique per endpoint). */
export function lowestFreeRouteId(used: readonly string[]): string {
  const taken = new Set(used);
  for (let n = 0; ; n++) {
    const id = formatRouteId(n);
    if (!taken.has(id)) return id;
  }
}

function checkSelector(selector: string): string | undefined {
  try {
    parseSelector(selector);
    return undefined;
  } catch (error) {
    if (error instanceof SelectorSyntaxError) return error.message;
    throw error;
  }
}

function checkStrategy(strategy: string): string | undefined {
  try {
    parseStrategy(strategy);
    return undefined;
  } catch (error) {
    if (error instanceof ValidationError) return error.message;
    throw error;
  }
}

function readFilters(filters: unknown[]): { ok: true; value: FilterSpec[] } | { ok: false; message: string } {
  const value: FilterSpec[] = [];
  for (const [index, filter] of filters.entries()) {
    try {
      const spec = parseFilterSpec(filter);
      checkFilterHeaders(spec);
      value.push(spec);
    } catch (error) {
      if (error instanceof ValidationError)
        return { ok: false, message: `filters[${index}]: ${error.message}` };
      throw error;
    }
  }
  return { ok: true, value };
}
