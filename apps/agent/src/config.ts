// The agent's configuration: environment variables -> AgentConfig, each mistake a
// ConfigError naming the variable and its value (the CLI prints it and exits 2), and HELP.
import { randomUUID } from "node:crypto";
import { reservedLabel, reservedLabelMessage } from "@signalbox/bus";
import { type Location, parseAddress } from "@signalbox/route-model";
import { type Env, readInteger, readLogLevel, readNatsEnv } from "@signalbox/service";
import { ConfigError } from "./errors.js";
import { parseLabels } from "./labels.js";
import { parseLocation } from "./location.js";

export interface AgentConfig {
  /** AGENT_BACKEND: host:port of the paired backend (`[::1]:8080` for IPv6). */
  backend: string;
  /** AGENT_SERVICE: the backend's service name; the token must be valid for it. */
  service: string;
  /** AGENT_LABELS. */
  labels: Record<string, string>;
  /** AGENT_TOKEN: the secret printed by `signalbox token create`. */
  token: string;
  /** AGENT_LOCATION. */
  location?: Location;
  /** AGENT_WEIGHT: relative share within a route for round-robin. */
  weight?: number;
  /** AGENT_HEARTBEAT_MS; the watcher may ask for a shorter interval in its reply. */
  heartbeatMs: number;
  /** AGENT_HEALTH_PATH: GET http://<backend><path>; not 2xx/3xx reports state `down`. */
  healthPath?: string;
  /** AGENT_CONCURRENCY: in-flight requests that count as load 100. */
  concurrency: number;
  /** DRAIN_TIMEOUT_MS: the longest a drain waits for in-flight requests to end. */
  drainTimeoutMs: number;
  /** AGENT_INSTANCE_ID: makes the backend id; default a random id per agent process. */
  instanceId: string;
  /** The NATS_* variables, handed to @signalbox/bus connectNats. */
  natsEnv: Record<string, string | undefined>;
  /** LOG_LEVEL. */
  logLevel: string;
  /** `signalbox agent -- <command...>`: run the backend as a child (set by the CLI, not the env). */
  command?: string[];
}

export const HELP = `signalbox agent: registers one backend with the watcher (agent.register) using a
token, heartbeats its state, load and requests per second, and drains before it exits.
With "-- <command...>" it runs the backend as its child, forwards SIGTERM/SIGINT to it
after draining, and exits with the child's exit code.

Environment:
  AGENT_BACKEND         required: host:port of the backend ([::1]:8080 for IPv6)
  AGENT_SERVICE         required: the backend's service name
  AGENT_TOKEN           required: the secret from \`signalbox token create\`
  AGENT_LABELS          labels, k=v,k=v (k:v and space-separated also accepted; default none);
                        names starting marathon., signalbox., heimdall. or HAPROXY_ are refused
  AGENT_LOCATION        JSON Location, or city=..,country=..,region=..,lat=..,lon=.. (default unset)
  AGENT_WEIGHT          share within a route, 0..10000 (default unset: 1)
  AGENT_HEARTBEAT_MS    heartbeat interval (default 2000; the watcher's shorter one wins);
                        3 missed heartbeats remove the backend
  AGENT_HEALTH_PATH     GET http://<AGENT_BACKEND><path> before each heartbeat; not 2xx/3xx
                        reports state "down"; also the path the health service probes
                        (default unset: no local check, probes get /)
  AGENT_CONCURRENCY     in-flight requests that count as load 100 (default 100)
  AGENT_INSTANCE_ID     [A-Za-z0-9_-] id that, with the service, makes the backend id
                        (default random per process)
  DRAIN_TIMEOUT_MS      on SIGTERM, the longest wait for in-flight requests (default 30000)
  NATS_URL              default nats://127.0.0.1:4222 (comma-separated for a cluster)
  NATS_USER, NATS_PASSWORD, NATS_TOKEN, NATS_CREDS   NATS credentials (default unset)
  LOG_LEVEL             trace|debug|info|warn|error|fatal|silent (default info)

Load: the agent is not in the request path; routers publish per-backend counts on
stats.router.<id>. in-flight = the sum of the routers' latest in-flight counts for this
backend; rps = their requests over the last 10 s; load = max(100 * in-flight /
AGENT_CONCURRENCY, CPU % of one core used by the child), clamped to 0..100.

Exit: 0 after a drain (or the child's code), 1 when the watcher rejects the token
(unknown, revoked, expired, wrong-service) at registration or at a later heartbeat.`;

/** Reads only the variables listed in HELP; throws ConfigError on the first bad one. */
export function loadConfig(env: Env): AgentConfig {
  const config: AgentConfig = {
    backend: readBackendAddress(env),
    service: required(env, "AGENT_SERVICE"),
    labels: readLabels(env),
    token: required(env, "AGENT_TOKEN"),
    heartbeatMs: readInteger(env, "AGENT_HEARTBEAT_MS", { default: 2000, min: 10 }),
    concurrency: readInteger(env, "AGENT_CONCURRENCY", { default: 100, min: 1 }),
    drainTimeoutMs: readInteger(env, "DRAIN_TIMEOUT_MS", { default: 30_000, min: 0 }),
    instanceId: instanceId(env.AGENT_INSTANCE_ID),
    natsEnv: readNatsEnv(env),
    logLevel: readLogLevel(env),
  };
  const location = optional(env, "AGENT_LOCATION");
  if (location !== undefined)
    config.location = fromResult("AGENT_LOCATION", location, parseLocation(location));
  const weight = optional(env, "AGENT_WEIGHT");
  if (weight !== undefined) config.weight = parseWeight(weight);
  const healthPath = optional(env, "AGENT_HEALTH_PATH");
  if (healthPath !== undefined) {
    if (!healthPath.startsWith("/"))
      throw new ConfigError("AGENT_HEALTH_PATH", healthPath, 'does not start with "/"');
    config.healthPath = healthPath;
  }
  return config;
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

function required(env: Env, name: string): string {
  const value = optional(env, name);
  if (value === undefined) throw new ConfigError(name, env[name], "is required");
  return value;
}

function fromResult<T>(
  name: string,
  text: string | undefined,
  result: { ok: true; value: T } | { ok: false; reason: string },
): T {
  if (!result.ok) throw new ConfigError(name, text, result.reason);
  return result.value;
}

/** AGENT_LABELS, refusing names in the prefixes the watcher refuses (RESERVED_LABEL_PREFIXES). */
function readLabels(env: Env): Record<string, string> {
  const labels = fromResult("AGENT_LABELS", env.AGENT_LABELS, parseLabels(env.AGENT_LABELS ?? ""));
  const reserved = reservedLabel(labels);
  if (reserved !== undefined)
    throw new ConfigError("AGENT_LABELS", env.AGENT_LABELS, reservedLabelMessage(reserved));
  return labels;
}

/**
 * AGENT_BACKEND: the Backend address the watcher will accept (route-model parseAddress): `host:port`,
 * port 1..65535, an IPv6 host bracketed (`[::1]:8080`).
 */
function readBackendAddress(env: Env): string {
  const text = required(env, "AGENT_BACKEND");
  try {
    return parseAddress(text, "AGENT_BACKEND");
  } catch (error) {
    throw new ConfigError(
      "AGENT_BACKEND",
      text,
      "is not host:port (IPv6 as [::1]:8080) with a port in 1..65535",
      { cause: error },
    );
  }
}

function parseWeight(text: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || value > 10_000) {
    throw new ConfigError("AGENT_WEIGHT", text, "is not a number in 0..10000");
  }
  return value;
}

function instanceId(text: string | undefined): string {
  const value = text?.trim();
  if (value === undefined || value === "") return randomUUID();
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(value)) {
    throw new ConfigError("AGENT_INSTANCE_ID", text, "is not 1..128 characters of [A-Za-z0-9_-]");
  }
  return value;
}
