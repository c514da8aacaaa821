// `signalbox query`: the route table as the watcher serves it: endpoints, their routes and
// matched backends, and every backend with state, health, load and requests per second.
import type { ApiSuccess } from "@signalbox/bus";
import type { Command } from "commander";
import { type CommandContext, callApi, print } from "../cli-context.js";
import { formatLabels, formatTable, formatTime } from "../output/table.js";
import { readPattern } from "../read-arguments.js";

export function registerQuery(program: Command, ctx: CommandContext): void {
  program
    .command("query")
    .description("show endpoints, routes and backends as the watcher has them")
    .argument("[pattern]", "only this endpoint and the backends its routes match")
    .action(async (patternText: string | undefined, _options: unknown, command: Command) => {
      const pattern = patternText === undefined ? undefined : readPattern(patternText);
      const { ok: _ok, ...result } = await callApi(
        ctx,
        command,
        "query",
        pattern === undefined ? {} : { pattern },
      );
      print(ctx, command, result, () => formatQuery(result));
    });
}

type QueryResult = Omit<ApiSuccess<"query">, "ok">;

/** The readable form: a header line, an endpoint/route table, a backend table, warnings. */
export function formatQuery(result: QueryResult): string {
  const routeRows = result.endpoints.flatMap((endpoint) =>
    endpoint.routes.length === 0
      ? [[endpoint.pattern, "-", "-", "-", "-", "-", "-"]]
      : endpoint.routes.map((route, index) => [
          index === 0 ? endpoint.pattern : "",
          route.id,
          String(route.weight),
          route.strategy,
          route.selector === "" ? "(all)" : route.selector,
          route.backends.length > 0 ? route.backends.join(",") : "-",
          route.apiDefined ? "api" : "provider",
        ]),
  );
  const backendRows = result.backends.map((backend) => [
    backend.id,
    backend.service,
    backend.address,
    backend.state,
    backend.health,
    backend.load === undefined ? "-" : String(backend.load),
    backend.rps === undefined ? "-" : String(backend.rps),
    backend.source,
    formatLabels(backend.labels),
  ]);
  const sections = [
    `route table version ${result.version}, generated ${formatTime(result.generatedAt || undefined)}`,
    formatTable(["ENDPOINT", "ROUTE", "WEIGHT", "STRATEGY", "SELECTOR", "BACKENDS", "DEFINED BY"], routeRows),
    formatTable(
      ["BACKEND", "SERVICE", "ADDRESS", "STATE", "HEALTH", "LOAD", "RPS", "SOURCE", "LABELS"],
      backendRows,
    ),
  ];
  // Only when certificates are in play: which one SNI gives each endpoint's host.
  const tlsRows = result.endpoints
    .filter((endpoint) => endpoint.certificate !== undefined || endpoint.tls === true)
    .map((endpoint) => [
      endpoint.pattern,
      endpoint.certificate ?? "(none: self-signed)",
      endpoint.tls ? "yes" : "no",
    ]);
  if (tlsRows.length > 0) sections.push(formatTable(["ENDPOINT", "CERTIFICATE", "TLS REQUIRED"], tlsRows));
  if (result.warnings.length > 0)
    sections.push(`warnings:\n${result.warnings.map((w) => `  ${w}`).join("\n")}`);
  return sections.join("\n\n");
}
