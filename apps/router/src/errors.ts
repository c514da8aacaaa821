// Coded errors of the router: configuration problems only; request outcomes are values (see respond-error.ts).

/** An environment variable has a value the router cannot use; names the variable and the value. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code = "SB_CONFIG";
  constructor(
    readonly variable: string,
    readonly value: string | undefined,
    reason: string,
  ) {
    super(`${variable}=${JSON.stringify(value ?? "")} ${reason}`);
  }
}
