// A private nats-server for tests (@signalbox/bus/testing): free port, JetStream with a
// temporary store, ready only once JetStream answers; stop() leaves no process or files.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { sleep } from "@signalbox/backoff";
import { NatsServerStartError } from "../errors.js";
import { inboxPrefix } from "../roles/role-permissions.js";
import { encodeServiceToken } from "../subjects.js";
import { findFreePorts } from "./free-port.js";
import { type NatsProcess, spawnNatsProcess, trackStoreDir, untrackStoreDir } from "./nats-process.js";

const READY_TIMEOUT_MS = 20_000;
const PROBE_INTERVAL_MS = 50;

export interface NatsServerOptions {
  /** Default: a free port. Set it to start a server where a client is already trying to connect. */
  port?: number;
  /** Default true: `-js` with a temporary store directory. */
  jetstream?: boolean;
  /** Require this user and password from clients. */
  user?: string;
  password?: string;
  /** Require this token from clients. */
  token?: string;
  /**
   * A nats.conf (`signalbox nats-config`) whose users and permissions the server enforces;
   * `user`/`password` then only say how the readiness probe logs in (not passed as flags).
   * The harness's port, address and store flags override the file's listen and store_dir.
   */
  configFile?: string;
  /** The CA the readiness probe trusts, for a configFile that requires TLS. */
  tlsCaFile?: string;
}

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  /** The JetStream store directory (kept across restart, removed by stop). */
  readonly storeDir: string | undefined;
  /** The pid of the current process. */
  readonly pid: number;
  /** Kills the server (SIGTERM, then SIGKILL) and removes its store; safe to call twice. */
  stop(): Promise<void>;
  /** Stops the process and starts it again on the same port and store; resolves when ready. */
  restart(): Promise<void>;
}

/** Starts a private nats-server on a free 127.0.0.1 port; resolves once it is ready. */
export async function startNatsServer(opts: NatsServerOptions = {}): Promise<NatsServer> {
  const port = opts.port ?? (await findFreePorts(1))[0];
  if (port === undefined) throw new Error("no free port");
  const jetstream = opts.jetstream ?? true;
  const server = await createNatsServer({ port, jetstream, extraArgs: authArgs(opts), auth: opts });
  try {
    await server.waitReady();
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** What one server process needs; shared with the cluster launcher. */
export interface NatsServerSpec {
  port: number;
  jetstream: boolean;
  extraArgs: readonly string[];
  auth?: Pick<NatsServerOptions, "user" | "password" | "token" | "tlsCaFile">;
}

/** A NatsServer whose process is spawned but maybe not ready yet (see waitReady). */
export interface StartingNatsServer extends NatsServer {
  /** Resolves once clients (and JetStream, when enabled) get answers; rejects when the process exits. */
  waitReady(timeoutMs?: number): Promise<void>;
}

/** Spawns a server for `spec` without waiting for it to become ready. */
export async function createNatsServer(spec: NatsServerSpec): Promise<StartingNatsServer> {
  const url = `nats://127.0.0.1:${spec.port}`;
  const storeDir = spec.jetstream ? await mkdtemp(join(tmpdir(), "signalbox-nats-")) : undefined;
  if (storeDir) trackStoreDir(storeDir);
  const args = ["-a", "127.0.0.1", "-p", String(spec.port), ...spec.extraArgs];
  if (storeDir) args.push("-js", "-sd", storeDir);
  let proc: NatsProcess;
  try {
    proc = await spawnNatsProcess(args);
  } catch (error) {
    if (storeDir) await removeStore(storeDir);
    throw error;
  }
  let stopped = false;
  const waitReady = (timeoutMs = READY_TIMEOUT_MS) => waitUntilReady(url, proc, spec, timeoutMs);
  return {
    url,
    port: spec.port,
    storeDir,
    get pid() {
      return proc.pid;
    },
    waitReady,
    async stop() {
      stopped = true;
      await proc.stop();
      if (storeDir) await removeStore(storeDir);
    },
    async restart() {
      if (stopped) throw new Error(`nats-server ${url} was stopped; it cannot restart`);
      await proc.stop();
      proc = await spawnNatsProcess(args);
      await waitReady();
    },
  };
}

async function waitUntilReady(url: string, proc: NatsProcess, spec: NatsServerSpec, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (proc.hasExited()) {
      throw new NatsServerStartError(url, proc.logTail(), `exited with code ${await proc.exited}`);
    }
    try {
      await probe(url, spec);
      return;
    } catch (error) {
      lastError = error;
      await sleep(PROBE_INTERVAL_MS);
    }
  }
  throw new NatsServerStartError(url, proc.logTail(), `not ready after ${timeoutMs} ms`, {
    cause: lastError,
  });
}

/** One connection; with JetStream, the account info request must succeed (meta leader known). */
async function probe(url: string, spec: NatsServerSpec): Promise<void> {
  const nc = await connect({
    servers: url,
    reconnect: false,
    timeout: 1_000,
    user: spec.auth?.user,
    pass: spec.auth?.password,
    token: spec.auth?.token,
    // The probe's replies come where a role's permissions let them (as connectNats sets it).
    ...(spec.auth?.user !== undefined && { inboxPrefix: inboxPrefix(encodeServiceToken(spec.auth.user)) }),
    ...(spec.auth?.tlsCaFile !== undefined && { tls: { caFile: spec.auth.tlsCaFile } }),
  });
  try {
    if (spec.jetstream) await jetstreamManager(nc, { timeout: 1_000 });
    else await nc.flush();
  } finally {
    await nc.close();
  }
}

function authArgs(opts: NatsServerOptions): string[] {
  if (opts.configFile !== undefined) return ["-c", opts.configFile];
  const args: string[] = [];
  if (opts.user !== undefined) args.push("--user", opts.user, "--pass", opts.password ?? "");
  if (opts.token !== undefined) args.push("--auth", opts.token);
  return args;
}

async function removeStore(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  untrackStoreDir(dir);
}
