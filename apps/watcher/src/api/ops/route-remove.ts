// `route.remove`: deletes a route the control API defined. Routes from Marathon, the routes
// file or agents belong to their source; the reply says so and how to stop their traffic.
import { awaitTable } from "../await-table.js";
import { invalid, type OpHandler } from "../op-context.js";
import { findEndpoint, listRouteIds, readPattern, readRouteId } from "../request-fields.js";

export const routeRemove: OpHandler<"route.remove"> = async (request, ctx) => {
  const pattern = readPattern(request.pattern);
  if (!pattern.ok) return invalid(pattern.message);
  const routeId = readRouteId(request.routeId);
  if (!routeId.ok) return invalid(routeId.message);

  const before = await ctx.records.readEndpoint(pattern.value);
  const record = before.value;
  if (!record?.routes.some((route) => route.id === routeId.value)) {
    const endpoint = findEndpoint(ctx.tables.current(), pattern.value);
    if (!endpoint && !record)
      return invalid(`no endpoint "${pattern.value}" (signalbox query lists the endpoints)`);
    const ids = [...(endpoint?.routes ?? []), ...(record?.routes ?? [])].map((route) => route.id);
    if (!ids.includes(routeId.value)) {
      return invalid(
        `endpoint "${pattern.value}" has no route ${routeId.value} (it has ${listRouteIds(ids)})`,
      );
    }
    return invalid(
      `route ${routeId.value} of "${pattern.value}" was not defined through the API but by Marathon labels, ` +
        `the routes file or an agent; change it there, or stop its traffic with ` +
        `"signalbox shape ${pattern.value} ${routeId.value}=0"`,
    );
  }

  const routes = record.routes.filter((route) => route.id !== routeId.value);
  // Its override goes first: should the next write fail, the route stays whole.
  const shape = await ctx.records.readShape(pattern.value);
  if (shape.value && routeId.value in shape.value.weights) {
    const { [routeId.value]: _removed, ...weights } = shape.value.weights;
    const keep = Object.keys(weights).length > 0 ? { pattern: pattern.value, weights } : undefined;
    await ctx.records.writeShape(pattern.value, shape, keep);
  }
  await ctx.records.writeEndpoint(
    pattern.value,
    before,
    routes.length > 0 ? { ...record, routes } : undefined,
  );
  ctx.logger.info({ op: "route.remove", pattern: pattern.value, routeId: routeId.value }, "route removed");
  await awaitTable(
    ctx,
    (table) => !findEndpoint(table, pattern.value)?.routes.some((route) => route.id === routeId.value),
  );
  return { ok: true, pattern: pattern.value, routeId: routeId.value };
};
