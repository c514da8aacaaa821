#!/usr/bin/env node
// The `signalbox` bin: the one place that reads process.env, writes to the real streams,
// and, for a service command, installs SIGTERM/SIGINT handlers that stop it and exit 0.
import type { RunningService } from "./cli-context.js";
import { runCli } from "./program.js";

const outcome = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});

if ("exitCode" in outcome) process.exitCode = outcome.exitCode;
else superviseService(outcome.service);

function superviseService(service: RunningService): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`signalbox ${service.name}: ${signal}, stopping\n`);
    try {
      await service.stop(signal);
      process.exit(0);
    } catch (error) {
      process.stderr.write(`signalbox ${service.name}: stop failed: ${String(error)}\n`);
      process.exit(1);
    }
  };
  process.on("SIGTERM", (signal) => void stop(signal));
  process.on("SIGINT", (signal) => void stop(signal));
  void service.exited?.then((code) => {
    if (!stopping) process.exit(code);
  });
}
