// Coded errors of the signalbox command; each carries the exit code it ends the process with
// (contract: ARCHITECTURE.md "CLI shapes": 2 invalid input, nothing changed; 1 operational failure).

/** The command line or the request is wrong; nothing changed. Exit 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly code = "SB_USAGE";
  readonly exitCode = 2;
}

export type OperationalErrorCode =
  | "SB_NATS_UNREACHABLE"
  | "SB_NO_WATCHER"
  | "SB_API_TIMEOUT"
  | "SB_API_FAILED"
  | "SB_BAD_REPLY"
  | "SB_SERVICE_FAILED";

/** The request was fine but could not be carried out (NATS unreachable, no watcher, a timeout). Exit 1. */
export class OperationalError extends Error {
  override readonly name = "OperationalError";
  readonly exitCode = 1;
  constructor(
    readonly code: OperationalErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
