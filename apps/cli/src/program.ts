// The `signalbox` command line: every command on one commander program, and runCli, which
// turns any outcome into an exit code (0 ok, 1 operational failure, 2 bad usage).
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import type { CliIo, CommandContext, RunningService } from "./cli-context.js";
import { registerCert } from "./commands/cert.js";
import { registerNatsConfig } from "./commands/nats-config.js";
import { registerQuery } from "./commands/query.js";
import { registerRoute } from "./commands/route.js";
import { registerServices } from "./commands/services.js";
import { registerShape } from "./commands/shape.js";
import { registerToken } from "./commands/token.js";
import { OperationalError, UsageError } from "./errors.js";

/** The version in apps/cli/package.json (one level up from src/ and from dist/). */
export const VERSION = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

export type CliOutcome = { exitCode: number } | { service: RunningService };

/** A fresh program per run (commander keeps parsed option values on the command objects). */
export function createProgram(ctx: CommandContext): Command {
  const program = new Command("signalbox")
    .description(
      "Signalbox: dynamic HTTP load balancer. Steer it (query, route, shape, token), run a service, or write its NATS auth (nats-config).",
    )
    .version(VERSION, "-V, --version", "print the version")
    .option(
      "--nats <urls>",
      "NATS server(s), comma-separated (default: NATS_URL, else nats://127.0.0.1:4222)",
    )
    .option("--json", "print JSON for scripts instead of tables")
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: (text) => ctx.io.stdout(text),
      writeErr: (text) => ctx.io.stderr(text),
    })
    .showHelpAfterError("(add --help for usage)")
    .addHelpText(
      "after",
      "\nExit status: 0 success, 1 operational failure (NATS unreachable, timeout), 2 bad usage (nothing changed).",
    );
  registerQuery(program, ctx);
  registerRoute(program, ctx);
  registerShape(program, ctx);
  registerToken(program, ctx);
  registerCert(program, ctx);
  registerServices(program, ctx);
  registerNatsConfig(program, ctx);
  return program;
}

/** Runs one command line (without `node` and the script); never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<CliOutcome> {
  let service: RunningService | undefined;
  const program = createProgram({ io, serviceStarted: (started) => (service = started) });
  if (argv.length === 0) {
    program.outputHelp();
    return { exitCode: 0 };
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    return { exitCode: exitCodeOf(error, io) };
  }
  return service ? { service } : { exitCode: 0 };
}

function exitCodeOf(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // commander has printed its message (and the help hint) already.
    const done = ["commander.helpDisplayed", "commander.help", "commander.version"];
    return done.includes(error.code) ? 0 : 2;
  }
  if (error instanceof UsageError || error instanceof OperationalError) {
    io.stderr(`signalbox: ${error.message}\n`);
    return error.exitCode;
  }
  io.stderr(`signalbox: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}
