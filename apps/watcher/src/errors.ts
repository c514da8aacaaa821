// Coded errors of the watcher: callers branch on `code`, tests assert on the data fields.

/** An environment variable is missing or malformed; names the variable and the value. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code = "SB_CONFIG";
  constructor(
    readonly variable: string,
    readonly value: string | undefined,
    reason: string,
  ) {
    super(`${variable}=${value === undefined ? "(unset)" : JSON.stringify(value)}: ${reason}`);
  }
}
