// Coded errors of the health service: callers branch on `code`, tests assert on the data fields.

/** An environment variable holds a value the health service cannot use; names both. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code = "SB_CONFIG";
  constructor(
    readonly variable: string,
    readonly value: string | undefined,
    reason: string,
  ) {
    super(`${variable} ${value === undefined ? "(missing)" : JSON.stringify(value)} ${reason}`);
  }
}
