// `npm start`: a private nats-server (unless NATS_URL reaches one), the watcher with
// examples/routes.yaml, a router, the health service, and two demo backends each
// behind an agent registered with a freshly created token. Every piece is a real
// process started through the same `signalbox <service>` entry point users run.
import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { findFreePorts, startNatsServer } from "@signalbox/bus/testing";
import { type ChildService, startChildService } from "./child-service.js";
import { waitFor, waitForHttp } from "./wait-for.js";

const execFileAsync = promisify(execFile);

export const DEMO_HOST = "demo.localhost";

export interface StackOptions {
  /** Repository root: where apps/ and examples/ are. */
  rootDir: string;
  env: NodeJS.ProcessEnv;
}

export interface Stack {
  readonly natsUrl: string;
  readonly routerUrl: string;
  readonly adminUrl: string;
  readonly grpcAddress: string;
  readonly logDir: string;
  readonly services: readonly ChildService[];
  /** Resolves with the first service that exits while the stack runs. */
  readonly firstExit: Promise<ChildService>;
  /** Stops agents first (they drain), then router, health, watcher, NATS. */
  stop(): Promise<void>;
}

export class StackError extends Error {
  override readonly name = "StackError";
}

export const NATS_INSTALL_HINT =
  "nats-server is not on PATH and NATS_URL is not set. Install it (Debian/Ubuntu: apt-get install nats-server; " +
  "macOS: brew install nats-server; or https://github.com/nats-io/nats-server/releases), " +
  "or point NATS_URL at a NATS server with JetStream.";

export async function startStack(options: StackOptions): Promise<Stack> {
  const { rootDir, env } = options;
  const logDir = await mkdtemp(join(tmpdir(), "signalbox-stack-"));
  const services: ChildService[] = [];
  let stopNats: (() => Promise<void>) | undefined;
  const stop = async () => {
    for (const service of [...services].reverse()) await service.stop(15_000);
    await stopNats?.();
  };
  try {
    const natsUrl = await resolveNats(env, (stopper) => {
      stopNats = stopper;
    });
    const routerListen = env.ROUTER_LISTEN ?? "127.0.0.1:8080";
    const adminListen = env.ROUTER_ADMIN_LISTEN ?? "127.0.0.1:9090";
    const grpcListen = env.HEALTH_GRPC_LISTEN ?? "127.0.0.1:50051";
    const common: NodeJS.ProcessEnv = { ...env, NATS_URL: natsUrl, LOG_LEVEL: env.LOG_LEVEL ?? "info" };
    const cli = join(rootDir, "apps/cli/dist/main.js");
    const run = (name: string, args: string[], extraEnv: NodeJS.ProcessEnv) => {
      const service = startChildService({
        name,
        command: process.execPath,
        args: [cli, ...args],
        env: { ...common, ...extraEnv },
        logDir,
        cwd: rootDir,
      });
      services.push(service);
      return service;
    };

    run("watcher", ["watcher"], {
      ROUTES_FILE: env.ROUTES_FILE ?? join(rootDir, "examples/routes.yaml"),
      WATCHER_ADMIN_LISTEN: env.WATCHER_ADMIN_LISTEN ?? "127.0.0.1:9091",
    });
    run("health", ["health"], {
      HEALTH_GRPC_LISTEN: grpcListen,
      HEALTH_ADMIN_LISTEN: env.HEALTH_ADMIN_LISTEN ?? "127.0.0.1:9092",
    });
    run("router", ["router"], {
      ROUTER_LISTEN: routerListen,
      ROUTER_ADMIN_LISTEN: adminListen,
      DRAIN_DELAY_MS: env.DRAIN_DELAY_MS ?? "1000",
      DRAIN_TIMEOUT_MS: env.DRAIN_TIMEOUT_MS ?? "5000",
    });

    const token = await waitFor(() => createToken(cli, common), {
      what: "the watcher's control API (token create)",
      timeoutMs: 30_000,
      intervalMs: 500,
    });
    const demoPorts = await findFreePorts(2);
    for (const [index, version] of ["v1", "v2"].entries()) {
      const port = demoPorts[index];
      run(
        `agent-${version}`,
        ["agent", "--", process.execPath, join(rootDir, "apps/stack/dist/demo-backend-main.js")],
        {
          AGENT_BACKEND: `127.0.0.1:${port}`,
          AGENT_SERVICE: "demo",
          AGENT_LABELS: `app=demo,version=${version}`,
          AGENT_TOKEN: token,
          AGENT_HEALTH_PATH: "/health",
          DEMO_NAME: `demo-${version}`,
          DEMO_PORT: String(port),
          DEMO_HOST: "127.0.0.1",
        },
      );
    }

    const routerUrl = `http://${routerListen.split(",")[0]}`;
    const adminUrl = `http://${adminListen}`;
    await waitForHttp(`${adminUrl}/readyz`, { what: "the router's /readyz", timeoutMs: 30_000 });
    await waitForHttp(`${routerUrl}/`, {
      what: `a demo backend through ${DEMO_HOST}`,
      host: DEMO_HOST,
      timeoutMs: 30_000,
    });

    const firstExit = Promise.race(services.map((service) => service.exited.then(() => service)));
    return { natsUrl, routerUrl, adminUrl, grpcAddress: grpcListen, logDir, services, firstExit, stop };
  } catch (error) {
    await stop();
    throw new StackError(`${error instanceof Error ? error.message : String(error)} (logs in ${logDir})`, {
      cause: error,
    });
  }
}

async function resolveNats(
  env: NodeJS.ProcessEnv,
  onStarted: (stop: () => Promise<void>) => void,
): Promise<string> {
  if (env.NATS_URL) {
    const first = env.NATS_URL.split(",")[0] ?? "";
    const url = new URL(first.includes("://") ? first : `nats://${first}`);
    if (!(await canConnect(url.hostname, Number(url.port || 4222)))) {
      throw new StackError(`NATS_URL ${env.NATS_URL} is not reachable: start that server or unset NATS_URL`);
    }
    return env.NATS_URL;
  }
  const server = await startNatsServer({ jetstream: true }).catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    throw new StackError(message.includes("not found") ? NATS_INSTALL_HINT : message, { cause: error });
  });
  onStarted(() => server.stop());
  return server.url;
}

async function createToken(cli: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const { stdout } = await execFileAsync(
    process.execPath,
    [cli, "token", "create", "--service", "demo", "--ttl", "7d", "--json"],
    { env, timeout: 10_000 },
  );
  const { secret } = JSON.parse(stdout) as { secret?: string };
  return secret;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1_000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
    socket.connect(port, host);
  });
}
