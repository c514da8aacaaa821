// `signalbox nats-config` run in-process: the files it writes (0600, one per role), what it
// refuses (exit 2, nothing written), and the config working on a real nats-server 2.9:
// every role logs in, anonymous clients are refused, TLS is served when asked, and a
// `--rotate` followed by `nats-server --signal reload` swaps exactly one role's password.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { connect } from "@nats-io/transport-node";
import { natsOptionsFromEnv, parseCredentials, ROLES, type Role } from "@signalbox/bus";
import { type NatsServer, startNatsServer, waitUntil } from "@signalbox/bus/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type CliIo, runCli } from "../src/index.js";

const execFileAsync = promisify(execFile);
let workDir: string;
const servers: NatsServer[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "sb-nats-config-"));
});
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    env: {},
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  };
  const outcome = await runCli(argv, io);
  if (!("exitCode" in outcome)) throw new Error("a service started");
  return { exitCode: outcome.exitCode, stdout, stderr };
}

let dirs = 0;
/** A fresh output directory path (not created). */
function outDir(): string {
  dirs += 1;
  return join(workDir, `out-${dirs}`);
}

async function password(dir: string, role: Role): Promise<string> {
  return parseCredentials(role, await readFile(join(dir, `${role}.env`), "utf8"));
}

/** Whether `role` (with this password) may log in to `server`. */
async function logsIn(server: NatsServer, role: Role, pass: string, caFile?: string): Promise<boolean> {
  try {
    const nc = await connect({
      ...natsOptionsFromEnv({ NATS_URL: server.url, NATS_USER: role, NATS_PASSWORD: pass }),
      reconnect: false,
      timeout: 5_000,
      ...(caFile !== undefined && { tls: { caFile } }),
    });
    await nc.close();
    return true;
  } catch (error) {
    if ((error as Error).message.includes("Authorization Violation")) return false;
    throw error;
  }
}

/** nats-server -c DIR/nats.conf; with `storeInConfig`, JetStream and its store come from the file only. */
async function startWith(dir: string, caFile?: string, storeInConfig = false): Promise<NatsServer> {
  const server = await startNatsServer({
    configFile: join(dir, "nats.conf"),
    ...(storeInConfig && { jetstream: false }),
    // The readiness probe asks for JetStream's account info, which the watcher may.
    user: "watcher",
    password: await password(dir, "watcher"),
    ...(caFile !== undefined && { tlsCaFile: caFile }),
  });
  servers.push(server);
  return server;
}

describe("signalbox nats-config", () => {
  it("writes nats.conf and one login per role, every file 0600 in a 0700 directory", async () => {
    const dir = outDir();
    const { exitCode, stdout } = await run(
      "--json",
      "nats-config",
      "--out",
      dir,
      "--listen",
      "127.0.0.1:4333",
    );
    expect(exitCode).toBe(0);
    const files = ["nats.conf", ...ROLES.map((role) => `${role}.env`)];
    expect(JSON.parse(stdout)).toEqual({ dir, files });
    expect((await readdir(dir)).sort()).toEqual([...files].sort());
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    for (const file of files) expect((await stat(join(dir, file))).mode & 0o777, file).toBe(0o600);
    const passwords = await Promise.all(ROLES.map((role) => password(dir, role)));
    expect(new Set(passwords).size).toBe(ROLES.length);
    const conf = await readFile(join(dir, "nats.conf"), "utf8");
    expect(conf).toContain('listen: "127.0.0.1:4333"');
    for (const clear of passwords) expect(conf).not.toContain(clear);
  });

  it.each([
    [["--listen", "nowhere"], /--listen "nowhere" is not host:port/],
    [["--tls-cert", "/c.pem"], /--tls-cert and --tls-key go together/],
    [["--rotate", "root"], /--rotate root: expected one of watcher, router, health, agent, admin/],
    [["--rotate", "agent"], /cannot read .*nats\.conf .*write it first without --rotate/],
    [
      ["--rotate", "agent", "--store-dir", "/data"],
      /--rotate changes one password and keeps nats.conf's other settings/,
    ],
  ])("refuses %j with exit 2 and writes nothing", async (extra, message) => {
    const dir = outDir();
    const { exitCode, stderr } = await run("nats-config", "--out", dir, ...extra);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(message);
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
  });

  it("refuses to overwrite an existing config", async () => {
    const dir = outDir();
    expect((await run("nats-config", "--out", dir)).exitCode).toBe(0);
    const before = await readFile(join(dir, "nats.conf"), "utf8");
    const again = await run("nats-config", "--out", dir);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain("exists: rotate one role with --rotate ROLE");
    expect(await readFile(join(dir, "nats.conf"), "utf8")).toBe(before);
  });
});

describe("the config on a real nats-server", () => {
  it("lets every role log in with its own password only, and refuses anonymous clients", async () => {
    const dir = outDir();
    expect((await run("nats-config", "--out", dir)).exitCode).toBe(0);
    const server = await startWith(dir);
    for (const role of ROLES) {
      expect(await logsIn(server, role, await password(dir, role)), role).toBe(true);
      const other = role === "admin" ? "agent" : "admin";
      expect(await logsIn(server, role, await password(dir, other)), `${role} with ${other}'s password`).toBe(
        false,
      );
    }
    await expect(connect({ servers: server.url, reconnect: false, timeout: 5_000 })).rejects.toThrow(
      /Authorization Violation/,
    );
  });

  it("rotates one role: after a reload its old password is refused, the new one and the others work", async () => {
    const dir = outDir();
    // nats-server refuses to reload a config whose JetStream store came from -sd: keep it in the file.
    const storeDir = join(dir, "jetstream");
    expect((await run("nats-config", "--out", dir, "--store-dir", storeDir)).exitCode).toBe(0);
    const server = await startWith(dir, undefined, true);
    const old = Object.fromEntries(await Promise.all(ROLES.map(async (r) => [r, await password(dir, r)])));
    const rotated = await run("nats-config", "--out", dir, "--rotate", "agent");
    expect(rotated).toMatchObject({ exitCode: 0 });
    expect(rotated.stdout).toContain("agent.env");
    const fresh = await password(dir, "agent");
    expect(fresh).not.toBe(old.agent);
    for (const role of ROLES.filter((r) => r !== "agent")) expect(await password(dir, role)).toBe(old[role]);

    // Logged in before the reload: the rotated role's connection is closed, the others' stay up.
    const login = (role: Role, pass: string) =>
      connect({
        ...natsOptionsFromEnv({ NATS_URL: server.url, NATS_USER: role, NATS_PASSWORD: pass }),
        reconnect: false,
      });
    const agentBefore = await login("agent", old.agent);
    const routerBefore = await login("router", old.router);
    await execFileAsync(process.env.NATS_SERVER_BIN || "nats-server", ["--signal", `reload=${server.pid}`]);
    await waitUntil(() => agentBefore.isClosed(), "the agent's old connection closed", 10_000, 50);
    expect(routerBefore.isClosed()).toBe(false);
    await routerBefore.close();
    await waitUntil(
      async () => !(await logsIn(server, "agent", old.agent)),
      "the old agent password refused",
      10_000,
      100,
    );
    expect(await logsIn(server, "agent", fresh)).toBe(true);
    for (const role of ROLES.filter((r) => r !== "agent"))
      expect(await logsIn(server, role, old[role]), role).toBe(true);
  });

  it("serves TLS with --tls-cert and --tls-key", async () => {
    const dir = outDir();
    const cert = join(workDir, "cert.pem");
    const key = join(workDir, "key.pem");
    await execFileAsync("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      key,
      "-out",
      cert,
    ]);
    expect((await run("nats-config", "--out", dir, "--tls-cert", cert, "--tls-key", key)).exitCode).toBe(0);
    const server = await startWith(dir, cert);
    expect(await logsIn(server, "router", await password(dir, "router"), cert)).toBe(true);
    // A client that does not trust the certificate does not get in.
    await expect(logsIn(server, "router", await password(dir, "router"))).rejects.toThrow();
  });
});
