// @signalbox/cli: the Backplane client API for code (connectBackplane) and the command line
// itself (runCli), which the bin in main.ts runs with the real process.
export {
  type BackplaneClient,
  type BackplaneClientOptions,
  connectBackplane,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from "./backplane-client.js";
export type { CliIo, RunningService } from "./cli-context.js";
export { OperationalError, type OperationalErrorCode, UsageError } from "./errors.js";
export { type CliOutcome, createProgram, runCli, VERSION } from "./program.js";
