// `npm start` as a user meets it: `node apps/stack/dist/main.js` comes up, prints a curl
// that answers from a demo backend, splits demo.localhost 90/10 between v1 and v2, and
// on Ctrl-C stops every process it started and exits 0; without nats-server it says how
// to install it and exits 1. Needs `npx nx run-many -t build` (real processes run dist/)
// and Linux (/proc and ps show the process tree).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { promisify } from "node:util";
import { findFreePorts } from "@signalbox/bus/testing";
import { waitFor } from "@signalbox/stack";
import { Agent, request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { stackTestEnv } from "./stack-env.js";

const execFileAsync = promisify(execFile);
const root = resolve(import.meta.dirname, "../../..");
const launcherMain = join(root, "apps/stack/dist/main.js");

interface Launcher {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the output so far once it contains `text`; rejects on exit or timeout. */
  waitForOutput(text: string, timeoutMs: number): Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const launched: Launcher[] = [];
/** Every pid a test saw in a launcher's process tree: killed (by id) if a test fails. */
const seenPids = new Set<number>();

function launch(env: NodeJS.ProcessEnv): Launcher {
  const child = spawn(process.execPath, [launcherMain], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once("exit", (code, signal) => resolveExit({ code, signal }));
  });
  let ended = false;
  void exited.then(() => {
    ended = true;
  });
  const launcher: Launcher = {
    child,
    output: () => text,
    exited,
    async waitForOutput(wanted, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!text.includes(wanted)) {
        if (ended) throw new Error(`launcher exited before printing ${JSON.stringify(wanted)}:\n${text}`);
        if (Date.now() > deadline)
          throw new Error(`no ${JSON.stringify(wanted)} after ${timeoutMs} ms:\n${text}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return text;
    },
  };
  launched.push(launcher);
  return launcher;
}

interface ProcessEntry {
  pid: number;
  args: string;
}

/** The processes under `rootPid` (children, grandchildren, ...), from `ps`. */
async function descendantsOf(rootPid: number): Promise<ProcessEntry[]> {
  const { stdout } = await execFileAsync("ps", ["-e", "-o", "pid=,ppid=,args="]);
  const rows = stdout
    .split("\n")
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => ({ pid: Number(match[1]), ppid: Number(match[2]), args: match[3] ?? "" }));
  const found: ProcessEntry[] = [];
  const parents = [rootPid];
  while (parents.length > 0) {
    const parent = parents.shift();
    for (const row of rows.filter((each) => each.ppid === parent)) {
      found.push({ pid: row.pid, args: row.args });
      parents.push(row.pid);
    }
  }
  return found;
}

/** Alive means present in /proc and not a zombie (a zombie has ended; only its exit status waits). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

afterEach(async () => {
  for (const launcher of launched.splice(0)) {
    if (launcher.child.exitCode === null && launcher.child.signalCode === null) {
      launcher.child.kill("SIGKILL");
      await launcher.exited;
    }
  }
  for (const pid of seenPids) {
    if (isAlive(pid)) process.kill(pid, "SIGKILL");
  }
  seenPids.clear();
});

describe("npm start (apps/stack/dist/main.js)", () => {
  it("serves the printed curl, splits demo.localhost 90/10, and Ctrl-C stops every process with exit 0", async () => {
    const startedAt = Date.now();
    const launcher = launch(await stackTestEnv());
    const banner = await launcher.waitForOutput("Press Ctrl-C to stop.", 60_000);
    const upAfterMs = Date.now() - startedAt;
    expect(banner).toContain("Signalbox is up.");

    const curl = /curl -H 'Host: ([^']+)' (\S+)/.exec(banner);
    const admin = /admin\s+(http:\/\/\S+)\/routes/.exec(banner);
    const logs = /logs\s+(\S+)/.exec(banner);
    if (!curl?.[1] || !curl[2] || !admin?.[1] || !logs?.[1]) throw new Error(`unexpected banner:\n${banner}`);
    const [, host, url] = curl;
    const adminUrl = admin[1];
    const logDir = logs[1];
    expect(host).toBe("demo.localhost");

    const tree = await descendantsOf(launcher.child.pid ?? -1);
    for (const entry of tree) seenPids.add(entry.pid);
    const natsServer = tree.find((entry) => /(^|\/)nats-server\s/.test(entry.args));
    expect(natsServer, `no nats-server under the launcher: ${JSON.stringify(tree)}`).toBeDefined();
    for (const service of ["watcher", "health", "router", "agent"]) {
      expect(tree.some((entry) => entry.args.includes(`apps/cli/dist/main.js ${service}`))).toBe(true);
    }
    expect(
      tree.filter((entry) => entry.args.includes("demo-backend-main.js") && !entry.args.includes("agent")),
    ).toHaveLength(2);

    const dispatcher = new Agent({ connections: 4 });
    try {
      // The curl the banner prints, as undici: a demo backend's JSON.
      const first = await request(url, { headers: { host }, dispatcher });
      expect(first.statusCode).toBe(200);
      expect(first.headers["x-served-by"]).toBe("signalbox");
      const body = (await first.body.json()) as { backend?: string; host?: string };
      expect(body.backend).toMatch(/^demo-v[12]$/);
      expect(body.host).toBe(host);

      // The dashboard URL the banner prints serves the page.
      const dashboardUrl = /dashboard\s+(http:\/\/\S+)/.exec(banner)?.[1];
      expect(dashboardUrl).toBeDefined();
      const page = await request(dashboardUrl as string, { dispatcher });
      expect(page.statusCode).toBe(200);
      expect(page.headers["content-type"]).toContain("text/html");
      expect(await page.body.text()).toContain("<title>Signalbox</title>");

      // Both agents' backends may not be in the router's table yet when the banner prints.
      await waitFor(
        async () => {
          const res = await request(`${adminUrl}/routes`, { dispatcher });
          const table = (await res.body.json()) as RoutesJson;
          const endpoint = table.endpoints?.find((each) => each.pattern === host);
          const ready =
            endpoint?.routes.length === 2 &&
            endpoint.routes.every((route) => route.backends.some((backend) => backend.available));
          return ready || undefined;
        },
        {
          what: "both demo.localhost routes to have an available backend",
          timeoutMs: 20_000,
          intervalMs: 100,
        },
      );
      const counts = new Map<string, number>();
      for (let i = 0; i < 100; i++) {
        const res = await request(url, { headers: { host }, dispatcher });
        expect(res.statusCode).toBe(200);
        const { backend } = (await res.body.json()) as { backend: string };
        counts.set(backend, (counts.get(backend) ?? 0) + 1);
      }
      expect([...counts.keys()].sort()).toEqual(["demo-v1", "demo-v2"]);
      // Smooth weighted routing gives 90/10 exactly over 100 picks; allow slack for a table swap.
      expect(counts.get("demo-v2")).toBeGreaterThanOrEqual(5);
      expect(counts.get("demo-v2")).toBeLessThanOrEqual(20);
    } finally {
      await dispatcher.close();
    }

    // The printed HTTPS curl, as undici: the demo CA is trusted, SNI demo.localhost, X-Forwarded-Proto https.
    const https = /https\s+curl --cacert (\S+) --resolve ([^:\s]+):(\d+):(\S+) (https:\/\/\S+)/.exec(banner);
    if (!https?.[1] || !https[3] || !https[4] || !https[5])
      throw new Error(`no https line in the banner:\n${banner}`);
    expect(https[2]).toBe(host);
    expect(https[5]).toBe(`https://${host}:${https[3]}/`);
    const trusting = new Agent({ connect: { ca: readFileSync(https[1], "utf8"), servername: host } });
    try {
      const secure = await request(`https://${https[4]}:${https[3]}/`, {
        headers: { host },
        dispatcher: trusting,
      });
      expect(secure.statusCode).toBe(200);
      expect(((await secure.body.json()) as { backend?: string }).backend).toMatch(/^demo-v[12]$/);
    } finally {
      await trusting.close();
    }

    // All the processes, once more: the agents' demo backends started after the first look.
    for (const entry of await descendantsOf(launcher.child.pid ?? -1)) seenPids.add(entry.pid);
    const stopAt = Date.now();
    launcher.child.kill("SIGINT");
    const exit = await launcher.exited;
    const stopMs = Date.now() - stopAt;
    expect(exit, launcher.output()).toEqual({ code: 0, signal: null });
    expect(launcher.output()).toContain("stopped.");
    const left = [...seenPids].filter(isAlive);
    expect(left, `still running: ${left.join(", ")}`).toEqual([]);
    expect(isAlive(natsServer?.pid ?? -1)).toBe(false);

    // Each service stopped cleanly, in order: the agents deregistered while NATS was up,
    // nothing failed its stop, and nats-server shut down on its own.
    // Beside the logs: the demo CA and the demo.localhost pair the banner's https curl uses.
    expect(readdirSync(logDir).sort()).toEqual([
      "agent-v1.log",
      "agent-v2.log",
      "demo-ca.pem",
      "demo.localhost.key",
      "demo.localhost.pem",
      "health.log",
      "nats-auth",
      "nats.log",
      "router.log",
      "watcher.log",
    ]);
    // The logins `signalbox nats-config` wrote stay for `signalbox query`, readable by this user only.
    const authDir = join(logDir, "nats-auth");
    expect(statSync(authDir).mode & 0o777).toBe(0o700);
    expect(readdirSync(authDir).sort()).toEqual([
      "admin.env",
      "agent.env",
      "health.env",
      "nats.conf",
      "router.env",
      "watcher.env",
    ]);
    expect(launcher.output()).toContain(`. ${authDir}/admin.env;`);
    for (const file of readdirSync(logDir).filter((name) => name.endsWith(".log"))) {
      expect(readFileSync(join(logDir, file), "utf8"), file).not.toContain("stop failed");
    }
    for (const agent of ["agent-v1.log", "agent-v2.log"]) {
      expect(readFileSync(join(logDir, agent), "utf8")).toMatch(/"outcome":"removed","msg":"deregistered"/);
    }
    expect(readFileSync(join(logDir, "nats.log"), "utf8")).toContain("Server Exiting");
    console.info(`npm start: up in ${upAfterMs} ms, stopped in ${stopMs} ms`);
  });

  it("without nats-server on PATH and without NATS_URL, says how to install it and exits 1", async () => {
    const env = await stackTestEnv();
    const path = (env.PATH ?? "").split(delimiter);
    const kept = path.filter((dir) => dir !== "" && !existsSync(join(dir, "nats-server")));
    expect(kept.length).toBeLessThan(path.length);
    delete env.NATS_SERVER_BIN;
    const launcher = launch({ ...env, PATH: kept.join(delimiter) });
    const exit = await launcher.exited;
    expect(exit, launcher.output()).toEqual({ code: 1, signal: null });
    expect(launcher.output()).toContain("nats-server is not on PATH and NATS_URL is not set");
    expect(launcher.output()).toContain("apt-get install nats-server");
    expect(launcher.output()).not.toContain("Signalbox is up");
  });

  it("with NATS_URL pointing at nothing, names it and exits 1", async () => {
    const env = await stackTestEnv();
    const [port] = await findFreePorts(1);
    const launcher = launch({ ...env, NATS_URL: `nats://127.0.0.1:${port}` });
    const exit = await launcher.exited;
    expect(exit, launcher.output()).toEqual({ code: 1, signal: null });
    expect(launcher.output()).toContain(`NATS_URL nats://127.0.0.1:${port} is not reachable`);
  });
});

interface RoutesJson {
  endpoints?: { pattern: string; routes: { backends: { available: boolean }[] }[] }[];
}
