// One nats-server child process: spawn, log tail, stop (SIGTERM then SIGKILL), and a
// process-wide registry that kills every live server and removes its store when the
// test process exits or is signalled (vitest ends its workers with SIGTERM), so nothing
// is left behind even when a test forgets to stop one.

import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { NatsServerNotFoundError } from "../errors.js";

const LOG_LINES_KEPT = 40;
const live = new Set<ChildProcess>();
const storeDirs = new Set<string>();
let exitHookInstalled = false;

/** The binary to run: NATS_SERVER_BIN, else `nats-server` from PATH. */
export function natsServerBinary(): string {
  return process.env.NATS_SERVER_BIN || "nats-server";
}

export interface NatsProcess {
  readonly pid: number;
  /** Resolves once the process has exited, with its exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  hasExited(): boolean;
  /** The last lines the server logged. */
  logTail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns `nats-server args`; throws NatsServerNotFoundError when the binary is missing. */
export async function spawnNatsProcess(args: readonly string[]): Promise<NatsProcess> {
  installExitHook();
  const binary = natsServerBinary();
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    if (lines.length > LOG_LINES_KEPT) lines.splice(0, lines.length - LOG_LINES_KEPT);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (error: NodeJS.ErrnoException) => {
      reject(error.code === "ENOENT" ? new NatsServerNotFoundError(binary, { cause: error }) : error);
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${binary} started without a pid`);
  live.add(child);
  let exitedNow = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      exitedNow = true;
      live.delete(child);
      resolve(code);
    });
  });
  return {
    pid,
    exited,
    hasExited: () => exitedNow,
    logTail: () => lines.join("\n"),
    async stop(graceMs = 5_000) {
      if (exitedNow) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Registers a store directory to delete if the test process exits before its server is stopped. */
export function trackStoreDir(dir: string): void {
  storeDirs.add(dir);
}

export function untrackStoreDir(dir: string): void {
  storeDirs.delete(dir);
}

/**
 * SIGKILLs every live server and deletes every tracked store, synchronously: runs on
 * the test process's `exit` event, where nothing asynchronous can run any more.
 */
export function killAllNatsProcesses(): void {
  for (const child of live) child.kill("SIGKILL");
  for (const dir of storeDirs) rmSync(dir, { recursive: true, force: true });
  storeDirs.clear();
}

const FATAL_SIGNALS: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP"];

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", killAllNatsProcesses);
  for (const signal of FATAL_SIGNALS) process.on(signal, onFatalSignal);
}

/** Cleans up, then lets the signal do what it would have done without this listener. */
function onFatalSignal(signal: NodeJS.Signals): void {
  killAllNatsProcesses();
  for (const each of FATAL_SIGNALS) process.off(each, onFatalSignal);
  exitHookInstalled = false;
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}
