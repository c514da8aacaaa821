// The NATS connection every service uses: options from NATS_* variables (contract:
// ARCHITECTURE.md "Configuration"), a first connect retried until it succeeds, then
// reconnects forever, with each status change logged.

import { readFileSync } from "node:fs";
import {
  type Authenticator,
  connect,
  credsAuthenticator,
  type NatsConnection,
  type NodeConnectionOptions,
  type Status,
} from "@nats-io/transport-node";
import { createBackoff, sleep } from "@signalbox/backoff";
import type { Logger } from "pino";
import { ConfigError } from "./errors.js";
import { redactUrlCredentials } from "./redact.js";
import { inboxPrefix } from "./roles/role-permissions.js";
import { encodeServiceToken } from "./subjects.js";

export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";

/** Where and how to connect; the part of the NATS client options the environment decides. */
export type NatsConnectOptions = Pick<
  NodeConnectionOptions,
  "servers" | "user" | "pass" | "token" | "authenticator" | "inboxPrefix"
>;

/**
 * NATS_URL (comma-separated, default nats://127.0.0.1:4222), NATS_USER + NATS_PASSWORD,
 * NATS_TOKEN, NATS_CREDS (a creds file, read and checked now). Throws ConfigError naming
 * the variable for a bad URL, a half-given user/password, two auth methods at once, or an
 * unreadable or malformed creds file. With NATS_USER, replies come to `_INBOX_<user>.>`,
 * the only inbox a role's permissions let it subscribe to (see rolePermissions).
 */
export function natsOptionsFromEnv(env: Record<string, string | undefined>): NatsConnectOptions {
  const options: NatsConnectOptions = { servers: parseServers(env.NATS_URL) };
  const user = nonEmpty(env.NATS_USER);
  const password = env.NATS_PASSWORD;
  const token = nonEmpty(env.NATS_TOKEN);
  const creds = nonEmpty(env.NATS_CREDS);
  if (user !== undefined && password === undefined) {
    throw new ConfigError("NATS_PASSWORD", password, "is required when NATS_USER is set");
  }
  if (user === undefined && nonEmpty(password) !== undefined) {
    throw new ConfigError("NATS_USER", env.NATS_USER, "is required when NATS_PASSWORD is set");
  }
  if (user !== undefined && token !== undefined) {
    throw new ConfigError("NATS_TOKEN", "(hidden)", "cannot be combined with NATS_USER");
  }
  if (creds !== undefined && (user !== undefined || token !== undefined)) {
    throw new ConfigError("NATS_CREDS", creds, "cannot be combined with NATS_USER or NATS_TOKEN");
  }
  if (user !== undefined) {
    Object.assign(options, { user, pass: password, inboxPrefix: inboxPrefix(encodeServiceToken(user)) });
  }
  if (token !== undefined) options.token = token;
  if (creds !== undefined) options.authenticator = readCreds(creds);
  return options;
}

/** True when the options carry any credentials (user, token or creds file). */
export function hasNatsCredentials(options: NatsConnectOptions): boolean {
  return options.user !== undefined || options.token !== undefined || options.authenticator !== undefined;
}

function parseServers(value: string | undefined): string[] {
  if (value === undefined || value.trim() === "") return [DEFAULT_NATS_URL];
  const servers = value
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
  for (const server of servers) {
    const withScheme = server.includes("://") ? server : `nats://${server}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      throw new ConfigError("NATS_URL", value, `has "${server}", which is not a URL or host:port`);
    }
    if (!["nats:", "tls:"].includes(url.protocol) || url.hostname === "") {
      throw new ConfigError(
        "NATS_URL",
        value,
        `has "${server}": expected nats://host:port or tls://host:port`,
      );
    }
  }
  if (servers.length === 0) throw new ConfigError("NATS_URL", value, "names no server");
  return servers;
}

function readCreds(path: string): Authenticator {
  let contents: Uint8Array;
  try {
    contents = readFileSync(path);
  } catch (error) {
    throw new ConfigError("NATS_CREDS", path, `cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const authenticator = credsAuthenticator(contents);
  try {
    authenticator("check-the-creds-file");
  } catch (error) {
    throw new ConfigError(
      "NATS_CREDS",
      path,
      `is not a NATS creds file (JWT and seed): ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return authenticator;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

export interface ConnectNatsOptions {
  /** NATS_* variables (see natsOptionsFromEnv); default: none, so the default URL. */
  env?: Record<string, string | undefined>;
  /** Overrides NATS_URL. */
  servers?: string | string[];
  /** The client name the server shows (`signalbox-router`, ...). */
  name: string;
  logger: Logger;
  /** Stops retrying the first connect: connectNats then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Delay between first-connect attempts: full jitter from 250 ms up to 5 s. */
const FIRST_CONNECT_BACKOFF = { baseMs: 250, capMs: 5_000 };
/** Delay between reconnect attempts once connected (the client adds up to 100 ms jitter). */
const RECONNECT_WAIT_MS = 500;

/**
 * Connects, retrying the first connect with back-off (logging each failure) until it
 * succeeds or `signal` aborts; the connection then reconnects forever, and every status
 * change (disconnect, reconnect, error, ...) is logged. A service with no NATS at start
 * waits here; one that loses NATS later keeps running on what it has.
 */
export async function connectNats(opts: ConnectNatsOptions): Promise<NatsConnection> {
  const fromEnv = natsOptionsFromEnv(opts.env ?? {});
  const options: NodeConnectionOptions = {
    ...fromEnv,
    servers: opts.servers ?? fromEnv.servers,
    name: opts.name,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: RECONNECT_WAIT_MS,
    // Reconnect forever means through auth errors too (credentials fixed on the server).
    ignoreAuthErrorAbort: true,
  };
  const log = opts.logger;
  const backoff = createBackoff(FIRST_CONNECT_BACKOFF);
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const nc = await connect(options);
      log.info({ server: redactUrlCredentials(nc.getServer()), name: opts.name }, "connected to NATS");
      if (!hasNatsCredentials(fromEnv)) {
        log.warn(
          { server: redactUrlCredentials(nc.getServer()) },
          "connected to NATS without credentials: any client of this server can read and steer Signalbox " +
            "(development only; see `signalbox nats-config`)",
        );
      }
      logStatus(nc, log).catch((error: unknown) => log.error({ err: error }, "NATS status logging failed"));
      return nc;
    } catch (error) {
      const retryInMs = backoff.next() ?? FIRST_CONNECT_BACKOFF.capMs;
      log.warn(
        { err: error, servers: redactedServers(options.servers), attempt: backoff.attempt, retryInMs },
        "cannot connect to NATS; retrying",
      );
      await sleep(retryInMs, opts.signal ? { signal: opts.signal } : {});
    }
  }
}

async function logStatus(nc: NatsConnection, log: Logger): Promise<void> {
  for await (const status of nc.status()) logOneStatus(status, log);
  const closedWith = await nc.closed();
  if (closedWith instanceof Error) log.error({ err: closedWith }, "NATS connection closed with an error");
  else log.info("NATS connection closed");
}

function logOneStatus(status: Status, log: Logger): void {
  switch (status.type) {
    case "disconnect":
      log.warn({ server: redactUrlCredentials(String(status.server)) }, "disconnected from NATS");
      return;
    case "reconnect":
      log.info({ server: redactUrlCredentials(String(status.server)) }, "reconnected to NATS");
      return;
    case "error":
      log.error({ err: status.error }, "NATS error");
      return;
    case "ldm":
      log.warn(
        { server: redactUrlCredentials(String(status.server)) },
        "NATS server entering lame duck mode",
      );
      return;
    case "staleConnection":
      log.warn("NATS connection is stale; reconnecting");
      return;
    case "slowConsumer":
      log.warn({ subject: status.sub.getSubject(), pending: status.pending }, "slow NATS consumer");
      return;
    case "update":
      log.debug({ added: status.added, deleted: status.deleted }, "NATS cluster servers changed");
      return;
    default:
      log.debug({ status: status.type }, "NATS status");
  }
}

/** The server list as a log line may show it: credentials in the URLs redacted. */
function redactedServers(servers: string | string[] | undefined): string[] {
  return (servers === undefined ? [] : Array.isArray(servers) ? servers : [servers]).map(
    redactUrlCredentials,
  );
}
