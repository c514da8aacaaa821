// The access log's variables: ROUTER_ACCESS_LOG (stdout | off | a file path), the query flag and
// the sampling knobs, validated like every other router variable (bad value = ConfigError).

import { isAbsolute, resolve } from "node:path";
import { ConfigError } from "@signalbox/bus";
import { type Env, readInteger } from "@signalbox/service";

export interface AccessLogConfig {
  /** "stdout", "off", or the absolute path of the file lines are appended to. */
  destination: "stdout" | "off" | { path: string };
  /** The logged path keeps its query string (off by default: queries carry tokens). */
  logQuery: boolean;
  /** 1 in `sample` of the 1xx-3xx answers is logged; every 4xx/5xx is. */
  sample: number;
  /** Answers at least this slow (ms) are logged whatever the sampling; 0 turns the rule off. */
  slowMs: number;
}

export function readAccessLogConfig(env: Env): AccessLogConfig {
  return {
    destination: readDestination(env.ROUTER_ACCESS_LOG),
    logQuery: readFlag(env, "ROUTER_ACCESS_LOG_QUERY"),
    sample: readInteger(env, "ROUTER_ACCESS_LOG_SAMPLE", { default: 1, min: 1 }),
    slowMs: readInteger(env, "ROUTER_ACCESS_LOG_SLOW_MS", { default: 0, min: 0 }),
  };
}

function readDestination(raw: string | undefined): AccessLogConfig["destination"] {
  const text = raw?.trim() ?? "";
  if (text === "" || text === "stdout") return "stdout";
  if (text === "off") return "off";
  if (text.includes("\0"))
    throw new ConfigError("ROUTER_ACCESS_LOG", raw, "is not stdout, off or a file path");
  return { path: isAbsolute(text) ? text : resolve(text) };
}

function readFlag(env: Env, name: string): boolean {
  const text = env[name]?.trim().toLowerCase() ?? "";
  if (text === "" || text === "false") return false;
  if (text === "true") return true;
  throw new ConfigError(name, env[name], "is not true or false");
}
