// Readers of the environment variables every service shares the syntax of: LOG_LEVEL, host:port
// listen addresses, whole numbers and the NATS_* set. Each bad value is a ConfigError naming the
// variable and the value as given (the CLI prints it and exits 2).
import { ConfigError } from "@signalbox/bus";

/** The environment as `loadConfig(env)` receives it (process.env in main.ts, a literal in tests). */
export type Env = Readonly<Record<string, string | undefined>>;

/** A `host:port` split for a listener; the host without IPv6 brackets (`::1`). */
export interface ListenAddress {
  host: string;
  port: number;
}

/** pino's levels, the only values LOG_LEVEL takes. */
export const LOG_LEVELS: readonly string[] = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

/** LOG_LEVEL, trimmed; unset or blank is `info`, anything but a pino level is a ConfigError. */
export function readLogLevel(env: Env): string {
  const level = env.LOG_LEVEL?.trim() || "info";
  if (!LOG_LEVELS.includes(level)) {
    throw new ConfigError("LOG_LEVEL", env.LOG_LEVEL, `is not one of ${LOG_LEVELS.join(", ")}`);
  }
  return level;
}

/**
 * Splits `host:port`, `[v6]:port` or `:port`; the host is returned as written without brackets
 * (empty for `:port`). Undefined when the text is not that shape or the port is past 65535; an
 * IPv6 host must be bracketed, so `::1:80` is undefined.
 */
export function parseHostPort(text: string): ListenAddress | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/[\]]*)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port > 65_535) return undefined;
  return { host: match[1] ?? match[2] ?? "", port };
}

/**
 * The listen address in `env[name]` (`fallback` when unset or blank): `host:port`, `[::1]:port`,
 * or `:port` for all interfaces (0.0.0.0); port 0 asks the system for a free one.
 */
export function readListenAddress(env: Env, name: string, fallback: string): ListenAddress {
  const raw = env[name];
  return parseListenAddress(name, raw, raw?.trim() || fallback);
}

/** A comma-separated list of listen addresses in `env[name]` (`fallback` when unset or blank), in order. */
export function readListenAddresses(env: Env, name: string, fallback: string): ListenAddress[] {
  const raw = env[name];
  const text = raw?.trim() || fallback;
  return text.split(",").map((part) => parseListenAddress(name, raw, part.trim()));
}

/** Bounds of a whole-number variable; `max` defaults to Number.MAX_SAFE_INTEGER. */
export interface IntegerOptions {
  default: number;
  min: number;
  max?: number;
}

/**
 * The whole number in `env[name]`: decimal digits only (no sign, exponent or unit), within
 * min..max; unset or blank is `default`.
 */
export function readInteger(env: Env, name: string, options: IntegerOptions): number {
  const raw = env[name];
  const text = raw?.trim();
  if (text === undefined || text === "") return options.default;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < options.min || value > max) {
    const range = options.max === undefined ? `>= ${options.min}` : `in ${options.min}..${max}`;
    throw new ConfigError(name, raw, `is not a whole number ${range}`);
  }
  return value;
}

/**
 * A comma-separated list in `env[name]`, each item trimmed and given to `parse`, which throws
 * an Error saying what is wrong with it; unset or blank is `[]`.
 */
export function readList<T>(env: Env, name: string, parse: (item: string) => T): T[] {
  const raw = env[name];
  const text = raw?.trim();
  if (text === undefined || text === "") return [];
  return text.split(",").map((part) => {
    try {
      return parse(part.trim());
    } catch (error) {
      throw new ConfigError(name, raw, `has an entry that does not read: ${(error as Error).message}`, {
        cause: error,
      });
    }
  });
}

/** The NATS_* variables as they are, for @signalbox/bus connectNats (which validates them). */
export function readNatsEnv(env: Env): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith("NATS_")));
}

function parseListenAddress(name: string, raw: string | undefined, text: string): ListenAddress {
  const address = parseHostPort(text);
  if (address === undefined) {
    const what = text === raw?.trim() ? "is not" : `has "${text}", not`;
    throw new ConfigError(name, raw, `${what} host:port (IPv6 as [::1]:port, port 0..65535)`);
  }
  return { host: address.host === "" ? "0.0.0.0" : address.host, port: address.port };
}
