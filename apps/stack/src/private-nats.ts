// The stack's private nats-server: a supervised child in its own process group (a
// terminal's Ctrl-C reaches only the stack, which stops it last), with JetStream on a
// temporary store that stop() removes, and the users and permissions of the nats.conf
// `signalbox nats-config` wrote (every role authenticates; anonymous clients are refused).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { findFreePorts } from "@signalbox/bus/testing";
import { type ChildService, startChildService } from "./child-service.js";
import { StackError } from "./errors.js";
import { canConnect } from "./wait-for.js";

export const NATS_INSTALL_HINT =
  "nats-server is not on PATH and NATS_URL is not set. Install it (Debian/Ubuntu: apt-get install nats-server; " +
  "macOS: brew install nats-server; or https://github.com/nats-io/nats-server/releases), " +
  "or point NATS_URL at a NATS server with JetStream.";

const READY_TIMEOUT_MS = 20_000;

export interface PrivateNats {
  readonly url: string;
  readonly service: ChildService;
  /** Stops the server (SIGTERM, then SIGKILL after `graceMs`) and removes its store. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Starts `nats-server -c <configFile> -js` (NATS_SERVER_BIN overrides the binary) on a
 * free loopback port (the flags override the file's listen address); resolves once it
 * accepts connections. A single server enables JetStream before it accepts clients, so an
 * open port means JetStream answers too.
 */
export async function startPrivateNats(
  env: NodeJS.ProcessEnv,
  logDir: string,
  configFile: string,
): Promise<PrivateNats> {
  const [port] = await findFreePorts(1);
  const storeDir = await mkdtemp(join(tmpdir(), "signalbox-nats-"));
  const service = startChildService({
    name: "nats",
    command: env.NATS_SERVER_BIN || "nats-server",
    args: ["-c", configFile, "-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir],
    env,
    logDir,
  });
  const stop = async (graceMs: number) => {
    await service.stop(graceMs);
    await rm(storeDir, { recursive: true, force: true });
  };
  const url = `nats://127.0.0.1:${port}`;
  const exited = service.exited.then((code) => ({ code }));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const outcome = await Promise.race([exited, delay(50)]);
    if (outcome !== undefined) {
      await stop(0);
      throw new StackError(
        outcome.code === "spawn-error"
          ? NATS_INSTALL_HINT
          : `nats-server exited (${outcome.code}) before accepting connections: see ${service.logFile}`,
      );
    }
    if (await canConnect("127.0.0.1", port ?? 0)) return { url, service, stop };
    if (Date.now() >= deadline) {
      await stop(0);
      throw new StackError(`nats-server did not accept connections on ${url} within ${READY_TIMEOUT_MS} ms`);
    }
  }
}
