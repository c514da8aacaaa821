// Coded errors of @signalbox/bus: callers branch on `code`, tests assert on the data fields.

import { redactUrlCredentials } from "./redact.js";

/**
 * An environment variable is missing or has a value a service cannot use; names the variable
 * and the value. Every service's configuration throws this one class (the CLI maps it to exit 2).
 * Credentials in URLs (NATS_URL, MARATHON_URL) are redacted in the value and the message.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code = "SB_CONFIG";
  readonly value: string | undefined;
  constructor(
    readonly variable: string,
    value: string | undefined,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(
      redactUrlCredentials(
        `${variable}${value === undefined ? " (unset)" : `=${JSON.stringify(value)}`} ${reason}`,
      ),
      options,
    );
    this.value = value === undefined ? undefined : redactUrlCredentials(value);
  }
}

/** A service token (`%XX` encoded name) does not decode; names the token and the offset. */
export class ServiceTokenError extends Error {
  override readonly name = "ServiceTokenError";
  readonly code = "SB_SERVICE_TOKEN";
  constructor(
    readonly token: string,
    readonly position: number,
    reason: string,
  ) {
    super(`service token "${token}" at position ${position}: ${reason}`);
  }
}

/** The test harness cannot find the `nats-server` binary. */
export class NatsServerNotFoundError extends Error {
  override readonly name = "NatsServerNotFoundError";
  readonly code = "SB_NATS_SERVER_NOT_FOUND";
  constructor(
    readonly binary: string,
    options?: ErrorOptions,
  ) {
    super(
      `${binary} not found on PATH: install it (Debian: apt-get install nats-server) or set NATS_SERVER_BIN`,
      options,
    );
  }
}

/** A private nats-server exited or did not become ready; carries the tail of its log. */
export class NatsServerStartError extends Error {
  override readonly name = "NatsServerStartError";
  readonly code = "SB_NATS_SERVER_START";
  constructor(
    readonly url: string,
    readonly log: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`nats-server ${url} ${reason}${log ? `; its log ends:\n${log}` : ""}`, options);
  }
}

/** A subject would not be valid (a bad API op name); names the subject. */
export class SubjectError extends Error {
  override readonly name = "SubjectError";
  readonly code = "SB_SUBJECT";
  constructor(
    readonly subject: string,
    reason: string,
  ) {
    super(reason);
  }
}

/** A table cannot be written as per-key entries (a duplicate key, an entry that does not round-trip). */
export class RouteTableError extends Error {
  override readonly name = "RouteTableError";
  readonly code = "SB_ROUTE_TABLE";
  constructor(
    readonly key: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`route table ${key}: ${reason}`, options);
  }
}

/** A NATS auth file (nats.conf, `<role>.env`) or its input is not what nats-config writes. */
export class NatsConfigError extends Error {
  override readonly name = "NatsConfigError";
  readonly code = "SB_NATS_CONFIG";
  constructor(
    readonly what: string,
    reason: string,
  ) {
    super(`${what}: ${reason}`);
  }
}
