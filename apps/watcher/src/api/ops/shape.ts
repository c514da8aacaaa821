// `shape`: sets the weights of several routes of one endpoint at once, as one write of the
// endpoint's `api.shape` record; any invalid part (unknown endpoint or route, a weight not
// 0..10000, a route named twice) changes nothing and the reply lists every problem.
import { MAX_WEIGHT } from "@signalbox/bus";
import { awaitTable } from "../await-table.js";
import { invalid, type OpHandler } from "../op-context.js";
import { findEndpoint, listRouteIds, readPattern } from "../request-fields.js";

export const shape: OpHandler<"shape"> = async (request, ctx) => {
  const pattern = readPattern(request.pattern);
  if (!pattern.ok) return invalid(pattern.message);

  const record = (await ctx.records.readEndpoint(pattern.value)).value;
  const endpoint = findEndpoint(ctx.tables.current(), pattern.value);
  if (!endpoint && !record)
    return invalid(`no endpoint "${pattern.value}" (signalbox query lists the endpoints)`);

  // The weight each route has now: the table's (overrides applied), else the API record's.
  const current = new Map<string, number>();
  for (const route of record?.routes ?? []) current.set(route.id, route.weight);
  for (const route of endpoint?.routes ?? []) current.set(route.id, route.weight);

  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { routeId, weight } of request.weights) {
    if (seen.has(routeId)) problems.push(`${routeId} is given twice`);
    seen.add(routeId);
    if (!current.has(routeId)) {
      problems.push(
        `endpoint "${pattern.value}" has no route ${routeId} (it has ${listRouteIds(current.keys())})`,
      );
    }
    if (!Number.isInteger(weight) || weight < 0 || weight > MAX_WEIGHT) {
      problems.push(`${routeId}: weight ${weight} is not a whole number 0..${MAX_WEIGHT}`);
    }
  }
  if (problems.length > 0) return invalid(`nothing changed: ${problems.join("; ")}`);

  const before = await ctx.records.readShape(pattern.value);
  const requested = Object.fromEntries(request.weights.map(({ routeId, weight }) => [routeId, weight]));
  await ctx.records.writeShape(pattern.value, before, {
    pattern: pattern.value,
    weights: { ...before.value?.weights, ...requested },
  });
  ctx.logger.info({ op: "shape", pattern: pattern.value, weights: requested }, "weights shaped");
  await awaitTable(ctx, (table) => {
    const routes = findEndpoint(table, pattern.value)?.routes ?? [];
    return Object.entries(requested).every(([id, weight]) =>
      routes.some((r) => r.id === id && r.weight === weight),
    );
  });
  return { ok: true, pattern: pattern.value, weights: { ...Object.fromEntries(current), ...requested } };
};
