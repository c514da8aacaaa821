// `signalbox shape <pattern> route000=90 route001=10`: sets several route weights at once;
// any bad part (checked here, then by the watcher) changes nothing.
import type { Command } from "commander";
import { type CommandContext, callApi, print } from "../cli-context.js";
import { readPattern, readShapeWeights } from "../read-arguments.js";

export function registerShape(program: Command, ctx: CommandContext): void {
  program
    .command("shape")
    .description("set the weights of an endpoint's routes at once (all or nothing)")
    .argument("<pattern>", "endpoint pattern")
    .argument("<weights...>", "routeId=weight pairs, weight 0..10000, like route000=90 route001=10")
    .action(async (patternText: string, weightArgs: string[], _options: unknown, command: Command) => {
      const pattern = readPattern(patternText);
      const weights = readShapeWeights(weightArgs);
      const result = await callApi(ctx, command, "shape", { pattern, weights });
      print(ctx, command, { pattern: result.pattern, weights: result.weights }, () => {
        const pairs = Object.entries(result.weights)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([id, weight]) => `${id}=${weight}`);
        return `${result.pattern}: ${pairs.join(" ")}`;
      });
    });
}
