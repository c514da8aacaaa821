// `signalbox route add <pattern> <selector>` and `route remove <pattern> <routeId>`: API routes,
// checked here first so bad input exits 2 without a request.
import type { Command } from "commander";
import { type CommandContext, callApi, print } from "../cli-context.js";
import {
  readFilters,
  readPattern,
  readRouteId,
  readSelector,
  readStrategy,
  readWeight,
} from "../read-arguments.js";

interface AddOptions {
  weight?: string;
  strategy?: string;
  filters?: string;
}

export function registerRoute(program: Command, ctx: CommandContext): void {
  const route = program.command("route").description("add or remove routes defined through the API");

  route
    .command("add")
    .description("add a route to an endpoint (created when new); prints the new route id")
    .argument("<pattern>", "endpoint pattern: example.com, *.example.com, example.com/blog")
    .argument("<selector>", 'label selector: "app=web,tier in (a,b),!canary" ("" matches every backend)')
    .option("--weight <n>", "share of the endpoint's traffic, 0..10000 (default 100)")
    .option(
      "--strategy <name>",
      "round-robin (default), least-load, random, p2c, hash:header:<name>, hash:cookie:<name>",
    )
    .option("--filters <json>", 'the endpoint\'s filters as a JSON array, like \'[{"type":"strip-prefix"}]\'')
    .action(async (patternText: string, selectorText: string, options: AddOptions, command: Command) => {
      const pattern = readPattern(patternText);
      const selector = readSelector(selectorText);
      const weight = options.weight === undefined ? undefined : readWeight(options.weight, "--weight");
      const strategy = options.strategy === undefined ? undefined : readStrategy(options.strategy);
      const filters = options.filters === undefined ? undefined : readFilters(options.filters);
      const result = await callApi(ctx, command, "route.add", {
        pattern,
        selector,
        ...(weight !== undefined && { weight }),
        ...(strategy !== undefined && { strategy }),
        ...(filters !== undefined && { filters }),
      });
      print(ctx, command, { pattern: result.pattern, routeId: result.routeId }, () => {
        return `added ${result.routeId} to ${result.pattern}`;
      });
    });

  route
    .command("remove")
    .description("remove a route the API defined (others belong to Marathon, the routes file or agents)")
    .argument("<pattern>", "endpoint pattern")
    .argument("<routeId>", "route id, like route001 (signalbox query lists them)")
    .action(async (patternText: string, routeIdText: string, _options: unknown, command: Command) => {
      const pattern = readPattern(patternText);
      const routeId = readRouteId(routeIdText);
      const result = await callApi(ctx, command, "route.remove", { pattern, routeId });
      print(ctx, command, { pattern: result.pattern, routeId: result.routeId }, () => {
        return `removed ${result.routeId} from ${result.pattern}`;
      });
    });
}
