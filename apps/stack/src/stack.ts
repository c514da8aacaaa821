// `npm start`: a private nats-server (unless NATS_URL reaches one), the watcher with
// examples/routes.yaml, a router, the health service, and two demo backends each
// behind an agent registered with a freshly created token. Every piece is a real
// process started through the same `signalbox <service>` entry point users run. The
// private server requires the users `signalbox nats-config` wrote; each process gets
// only its role's credentials.
import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { credentialsFileName, parseCredentials, ROLES, type Role } from "@signalbox/bus";
import { findFreePorts } from "@signalbox/bus/testing";
import { Agent } from "undici";
import { type ChildService, startChildService } from "./child-service.js";
import { createDemoCertificates } from "./demo-tls.js";
import { StackError } from "./errors.js";
import { type PrivateNats, startPrivateNats } from "./private-nats.js";
import { canConnect, waitFor, waitForHttp } from "./wait-for.js";

const execFileAsync = promisify(execFile);

export const DEMO_HOST = "demo.localhost";

export interface StackOptions {
  /** Repository root: where apps/ and examples/ are. */
  rootDir: string;
  env: NodeJS.ProcessEnv;
}

/** One role's NATS login, as the variables a service reads. */
export interface RoleNatsEnv {
  NATS_USER: string;
  NATS_PASSWORD: string;
}

export interface Stack {
  readonly natsUrl: string;
  /**
   * With the private nats-server: the directory `signalbox nats-config` wrote (nats.conf,
   * `<role>.env`) and each role's login; undefined when NATS_URL points elsewhere (every
   * process then gets the NATS_* variables the stack was given).
   */
  readonly natsAuth: { dir: string; roles: Readonly<Record<Role, RoleNatsEnv>> } | undefined;
  readonly routerUrl: string;
  /** The router's first TLS listener (host:port) and the demo CA that signed its demo.localhost certificate. */
  readonly tlsAddress: string;
  readonly caPath: string;
  readonly adminUrl: string;
  /** The watcher's admin listener, where the dashboard is (`/`). */
  readonly dashboardUrl: string;
  readonly grpcAddress: string;
  readonly logDir: string;
  /** The running processes (the private nats-server first, when there is one), by name. */
  readonly services: readonly ChildService[];
  /** Resolves with the first service that exits without being asked to stop. */
  readonly firstExit: Promise<ChildService>;
  /** Stops the named service and starts it again with the same command and environment. */
  restart(name: string): Promise<ChildService>;
  /** Stops agents first (together: they drain), then router, health, watcher, NATS. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 15_000;

export async function startStack(options: StackOptions): Promise<Stack> {
  const { rootDir, env } = options;
  const logDir = await mkdtemp(join(tmpdir(), "signalbox-stack-"));
  const services: ChildService[] = [];
  const respawn = new Map<string, () => ChildService>();
  let reportExit: (service: ChildService) => void = () => {};
  const firstExit = new Promise<ChildService>((resolve) => {
    reportExit = resolve;
  });
  const watch = (service: ChildService) => {
    void service.exited.then(() => {
      if (!service.stopRequested) reportExit(service);
    });
    return service;
  };
  let nats: PrivateNats | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const agents = services.filter((service) => service.name.startsWith("agent-"));
      await Promise.all(agents.map((service) => service.stop(STOP_GRACE_MS)));
      for (const service of [...services].reverse()) {
        if (service !== nats?.service) await service.stop(STOP_GRACE_MS);
      }
      await nats?.stop(STOP_GRACE_MS);
    })();
    return stopping;
  };
  const restart = async (name: string) => {
    const index = services.findIndex((service) => service.name === name);
    const start = respawn.get(name);
    const old = services[index];
    if (old === undefined || start === undefined)
      throw new StackError(`no restartable service named ${name}`);
    await old.stop(STOP_GRACE_MS);
    const fresh = watch(start());
    services[index] = fresh;
    return fresh;
  };
  const cli = join(rootDir, "apps/cli/dist/main.js");
  try {
    const natsAuth = env.NATS_URL ? undefined : await writeNatsAuth(cli, join(logDir, "nats-auth"));
    nats = natsAuth ? await startPrivateNats(env, logDir, join(natsAuth.dir, "nats.conf")) : undefined;
    if (nats) services.push(watch(nats.service));
    const natsUrl = nats?.url ?? (await checkNatsUrl(env.NATS_URL ?? ""));
    const routerListen = env.ROUTER_LISTEN ?? "127.0.0.1:8080";
    const tlsListen = env.ROUTER_TLS_LISTEN ?? "127.0.0.1:8443";
    const adminListen = env.ROUTER_ADMIN_LISTEN ?? "127.0.0.1:9090";
    const grpcListen = env.HEALTH_GRPC_LISTEN ?? "127.0.0.1:50051";
    const common: NodeJS.ProcessEnv = { ...env, NATS_URL: natsUrl, LOG_LEVEL: env.LOG_LEVEL ?? "info" };
    // The private server's logins replace whatever NATS_* the stack was started with.
    if (natsAuth)
      for (const name of ["NATS_USER", "NATS_PASSWORD", "NATS_TOKEN", "NATS_CREDS"]) delete common[name];
    const roleEnv = (role: Role): NodeJS.ProcessEnv => ({ ...common, ...natsAuth?.roles[role] });
    const run = (name: string, role: Role, args: string[], extraEnv: NodeJS.ProcessEnv) => {
      const start = () =>
        startChildService({
          name,
          command: process.execPath,
          args: [cli, ...args],
          env: { ...roleEnv(role), ...extraEnv },
          logDir,
          cwd: rootDir,
        });
      respawn.set(name, start);
      services.push(watch(start()));
    };

    const watcherAdminListen = env.WATCHER_ADMIN_LISTEN ?? "127.0.0.1:9091";
    run("watcher", "watcher", ["watcher"], {
      ROUTES_FILE: env.ROUTES_FILE ?? join(rootDir, "examples/routes.yaml"),
      WATCHER_ADMIN_LISTEN: watcherAdminListen,
    });
    run("health", "health", ["health"], {
      HEALTH_GRPC_LISTEN: grpcListen,
      HEALTH_ADMIN_LISTEN: env.HEALTH_ADMIN_LISTEN ?? "127.0.0.1:9092",
    });
    run("router", "router", ["router"], {
      ROUTER_LISTEN: routerListen,
      ROUTER_TLS_LISTEN: tlsListen,
      ROUTER_ADMIN_LISTEN: adminListen,
      DRAIN_DELAY_MS: env.DRAIN_DELAY_MS ?? "1000",
      DRAIN_TIMEOUT_MS: env.DRAIN_TIMEOUT_MS ?? "5000",
    });

    const token = await waitFor(() => createToken(cli, roleEnv("admin")), {
      what: "the watcher's control API (token create)",
      timeoutMs: 30_000,
      intervalMs: 500,
    });
    const demoCerts = await createDemoCertificates(logDir, DEMO_HOST);
    await execFileAsync(
      process.execPath,
      [cli, "cert", "add", demoCerts.certPath, demoCerts.keyPath, "--id", "demo", "--default"],
      { env: roleEnv("admin"), timeout: 10_000 },
    );
    const demoPorts = await findFreePorts(2);
    for (const [index, version] of ["v1", "v2"].entries()) {
      const port = demoPorts[index];
      run(
        `agent-${version}`,
        "agent",
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
    const tlsAddress = tlsListen.split(",")[0] ?? tlsListen;
    const adminUrl = `http://${adminListen}`;
    await waitForHttp(`${adminUrl}/readyz`, { what: "the router's /readyz", timeoutMs: 30_000 });
    await waitForHttp(`${routerUrl}/`, {
      what: `a demo backend through ${DEMO_HOST}`,
      host: DEMO_HOST,
      timeoutMs: 30_000,
    });
    // The demo certificate reaches the router over NATS within a second of `cert add`.
    const trusting = new Agent({
      connect: { ca: await readFile(demoCerts.caPath, "utf8"), servername: DEMO_HOST },
    });
    try {
      await waitForHttp(`https://${tlsAddress}/`, {
        what: `${DEMO_HOST} over TLS with the demo certificate`,
        host: DEMO_HOST,
        dispatcher: trusting,
        timeoutMs: 30_000,
      });
    } finally {
      await trusting.close();
    }

    return {
      natsUrl,
      natsAuth,
      routerUrl,
      tlsAddress,
      caPath: demoCerts.caPath,
      adminUrl,
      dashboardUrl: `http://${watcherAdminListen}/`,
      grpcAddress: grpcListen,
      logDir,
      services,
      firstExit,
      restart,
      stop,
    };
  } catch (error) {
    await stop();
    throw new StackError(`${error instanceof Error ? error.message : String(error)} (logs in ${logDir})`, {
      cause: error,
    });
  }
}

/** Runs `signalbox nats-config --out dir` and reads back each role's login. */
async function writeNatsAuth(
  cli: string,
  dir: string,
): Promise<{ dir: string; roles: Record<Role, RoleNatsEnv> }> {
  await execFileAsync(process.execPath, [cli, "nats-config", "--out", dir, "--listen", "127.0.0.1:4222"], {
    timeout: 30_000,
  });
  const roles = {} as Record<Role, RoleNatsEnv>;
  for (const role of ROLES) {
    const password = parseCredentials(role, await readFile(join(dir, credentialsFileName(role)), "utf8"));
    roles[role] = { NATS_USER: role, NATS_PASSWORD: password };
  }
  return { dir, roles };
}

/** NATS_URL as given, once its first server accepts a connection. */
async function checkNatsUrl(natsUrl: string): Promise<string> {
  const first = natsUrl.split(",")[0] ?? "";
  const url = new URL(first.includes("://") ? first : `nats://${first}`);
  if (!(await canConnect(url.hostname, Number(url.port || 4222)))) {
    throw new StackError(`NATS_URL ${natsUrl} is not reachable: start that server or unset NATS_URL`);
  }
  return natsUrl;
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
