// `signalbox agent -- <command...>`: the backend runs as the agent's child. The agent
// starts it, measures it, and stops it only after draining; its exit code becomes the agent's.
import { type ChildProcess, spawn } from "node:child_process";
import { constants } from "node:os";
import { ChildStartError } from "./errors.js";

export interface ChildExit {
  /** The exit code, or 128 + the signal number when a signal ended it (shell convention). */
  code: number;
  signal: NodeJS.Signals | null;
}

export interface BackendChild {
  readonly pid: number;
  /** Resolves once, when the child has exited (for whatever reason). */
  readonly exited: Promise<ChildExit>;
  /** Sends `signal` if the child still runs. */
  kill(signal: NodeJS.Signals): void;
}

/**
 * Starts `command` (no shell: argv[0] is executed, so CPU sampling measures the backend
 * itself) with the agent's stdio and environment; rejects with ChildStartError when it
 * cannot be started (not found, not executable).
 */
export function spawnBackend(
  command: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; stdio?: "inherit" | "ignore" } = {},
): Promise<BackendChild> {
  const [file, ...args] = command;
  if (file === undefined) return Promise.reject(new ChildStartError(command));
  const child = spawn(file, args, { stdio: opts.stdio ?? "inherit", env: opts.env ?? process.env });
  return new Promise((resolve, reject) => {
    child.once("error", (error) => reject(new ChildStartError(command, { cause: error })));
    child.once("spawn", () => resolve(wrap(child)));
  });
}

function wrap(child: ChildProcess): BackendChild {
  const exited = new Promise<ChildExit>((resolve) => {
    child.once("exit", (code, signal) => {
      resolve({ code: code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0), signal });
    });
  });
  return {
    pid: child.pid as number,
    exited,
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
