// One supervised child process of the stack: output to a log file, SIGTERM then
// SIGKILL on stop, and an exit promise so the stack notices a crash.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";

export interface ChildServiceOptions {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  logDir: string;
  cwd?: string;
}

export interface ChildService {
  readonly name: string;
  readonly pid: number | undefined;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** True once stop() was called: an exit after it was asked for, not a crash. */
  readonly stopRequested: boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs: number): Promise<number | string>;
}

// Detached children outlive a crashed parent; this last-resort hook kills them.
const liveChildren = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of liveChildren) child.kill("SIGKILL");
});

export function startChildService(options: ChildServiceOptions): ChildService {
  const logFile = join(options.logDir, `${options.name}.log`);
  const log = createWriteStream(logFile, { flags: "a" });
  const child: ChildProcess = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: a terminal's Ctrl-C reaches only the stack, which
    // then stops the services in order (agents drain before the router goes).
    detached: true,
  });
  liveChildren.add(child);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | string>((resolve) => {
    child.once("error", (error) => {
      log.write(`spawn failed: ${error.message}\n`);
      resolve("spawn-error");
    });
    child.once("exit", (code, signal) => {
      liveChildren.delete(child);
      log.end();
      resolve(code ?? signal ?? "unknown");
    });
  });
  let stopping: Promise<number | string> | undefined;
  return {
    name: options.name,
    pid: child.pid,
    logFile,
    exited,
    get stopRequested() {
      return stopping !== undefined;
    },
    stop(graceMs) {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return exited;
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        const result = await exited;
        clearTimeout(timer);
        return result;
      })();
      return stopping;
    },
  };
}
