// Coded errors of @signalbox/backoff: callers branch on `code`, tests assert on the data fields.

/** A back-off option is out of range; names the option and the value. */
export class BackoffOptionError extends Error {
  override readonly name = "BackoffOptionError";
  readonly code = "SB_BACKOFF_OPTION";
  constructor(
    readonly option: string,
    readonly value: unknown,
    reason: string,
  ) {
    super(`backoff ${option} ${String(value)} ${reason}`);
  }
}
