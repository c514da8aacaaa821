// `signalbox router|watcher|health|agent`: starts that service in this process from the
// environment (its HELP lists the variables). Each package is loaded only when its command
// runs, so `signalbox query` does not pay for the gRPC or HTTP stacks.
import type { Command } from "commander";
import type { CommandContext, RunningService } from "../cli-context.js";
import { OperationalError, UsageError } from "../errors.js";

/** What each service package exports (contract: every app's src/index.ts). */
interface ServiceModule<C> {
  HELP: string;
  loadConfig(env: Record<string, string | undefined>): C;
  start(config: C): Promise<{ stop(signal?: NodeJS.Signals): Promise<unknown>; exited?: Promise<number> }>;
}

type Starter = (ctx: CommandContext, args: string[], help: boolean) => Promise<RunningService | undefined>;

const SERVICES: Record<string, { summary: string; usage: string; start: Starter }> = {
  router: {
    summary: "start the HTTP router (data plane)",
    usage: "signalbox router",
    start: async (ctx, _args, help) => run(ctx, "router", await import("@signalbox/router"), help),
  },
  watcher: {
    summary: "start the watcher (providers -> route table; control API)",
    usage: "signalbox watcher",
    start: async (ctx, _args, help) => run(ctx, "watcher", await import("@signalbox/watcher"), help),
  },
  health: {
    summary: "start the health service (probes; grpc.health.v1)",
    usage: "signalbox health",
    start: async (ctx, _args, help) => run(ctx, "health", await import("@signalbox/health"), help),
  },
  agent: {
    summary: "start an agent for one backend; after -- the command that runs the backend, if any",
    usage: "signalbox agent [-- <command> [args...]]",
    start: async (ctx, args, help) =>
      run(ctx, "agent", await import("@signalbox/agent"), help, (config) => {
        if (args.length > 0) config.command = args;
      }),
  },
};

export function registerServices(program: Command, ctx: CommandContext): void {
  for (const [name, service] of Object.entries(SERVICES)) {
    const command = program
      .command(name)
      .description(service.summary)
      .helpOption(false)
      .option("-h, --help", "show the environment variables it reads");
    if (name === "agent") command.argument("[command...]", "the backend's command line, after --");
    command.action(async (...params: unknown[]) => {
      const args = name === "agent" ? (params[0] as string[]) : [];
      const options = (name === "agent" ? params[1] : params[0]) as { help?: boolean };
      const running = await service.start(ctx, args, options.help === true);
      if (running) ctx.serviceStarted(running);
    });
  }
}

/** Prints HELP for --help; else loads the config (bad env: exit 2 with its message) and starts. */
async function run<C>(
  ctx: CommandContext,
  name: string,
  service: ServiceModule<C>,
  help: boolean,
  adjust?: (config: C) => void,
): Promise<RunningService | undefined> {
  if (help) {
    ctx.io.stdout(`usage: ${SERVICES[name]?.usage ?? `signalbox ${name}`}\n\n${service.HELP.trimEnd()}\n`);
    return undefined;
  }
  let config: C;
  try {
    config = service.loadConfig(ctx.io.env);
  } catch (error) {
    if (isConfigError(error))
      throw new UsageError(`${error.message} (signalbox ${name} --help lists the variables)`);
    throw error;
  }
  adjust?.(config);
  try {
    const started = await service.start(config);
    return {
      name,
      stop: async (signal) => {
        await started.stop(signal);
      },
      ...(started.exited && { exited: started.exited }),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new OperationalError("SB_SERVICE_FAILED", `${name} failed to start: ${message}`, { cause: error });
  }
}

/** Every app's ConfigError carries code SB_CONFIG (their classes differ; the code is the contract). */
function isConfigError(error: unknown): error is Error {
  return error instanceof Error && (error as { code?: unknown }).code === "SB_CONFIG";
}
