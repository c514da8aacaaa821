// What every command gets: the process's environment and output streams (injected, so tests
// and code can run the CLI in-process), the global options, and one API call per run.
import type { ApiOp, ApiRequest, ApiSuccess } from "@signalbox/bus";
import type { Command } from "commander";
import { type BackplaneClient, type BackplaneClientOptions, connectBackplane } from "./backplane-client.js";
import { OperationalError, UsageError } from "./errors.js";

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Defaults to connectBackplane; tests may shorten the timeouts. */
  connect?(opts: BackplaneClientOptions): Promise<BackplaneClient>;
}

/** A service started by `signalbox router|watcher|health|agent`, running until stop(). */
export interface RunningService {
  name: string;
  /** `signal` is the one received (an agent hands it on to the backend it runs). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Resolves with an exit code if the service ends by itself (an agent whose token was revoked). */
  exited?: Promise<number>;
}

export interface CommandContext {
  io: CliIo;
  /** Called by a service command once its service runs; main.ts then owns its lifetime. */
  serviceStarted(service: RunningService): void;
}

export interface GlobalOptions {
  nats?: string;
  json?: boolean;
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** Prints one line (or block) to stdout: JSON when --json, else the text for people. */
export function print(ctx: CommandContext, command: Command, json: unknown, text: () => string): void {
  ctx.io.stdout(`${globalOptions(command).json ? JSON.stringify(json, null, 2) : text()}\n`);
}

/**
 * One request to the watcher over a fresh connection (--nats, else NATS_URL). A reply
 * `invalid` becomes a UsageError (exit 2), `failed` an OperationalError (exit 1).
 */
export async function callApi<O extends ApiOp>(
  ctx: CommandContext,
  command: Command,
  op: O,
  request: ApiRequest<O>,
): Promise<ApiSuccess<O>> {
  const { nats } = globalOptions(command);
  const connect = ctx.io.connect ?? connectBackplane;
  const client = await connect({ env: ctx.io.env, ...(nats !== undefined && { servers: nats.split(",") }) });
  try {
    const reply = await client.request(op, request);
    if (reply.ok) return reply as ApiSuccess<O>;
    if (reply.error.code === "invalid") throw new UsageError(reply.error.message);
    throw new OperationalError("SB_API_FAILED", reply.error.message);
  } finally {
    await client.close();
  }
}
