// A router from apps/router/dist in a child process of its own (as in production: its own
// event loop and heap), driven over IPC by the propagation and scale benches.
//
// Child: `node --expose-gc router-process.mjs` with NATS_URL set; sends {type: "ready", port}.
// Messages in: {type: "wait-version", version} -> {type: "version", version, atMs} (epoch ms,
// sub-ms precision, when the router's table reached it); {type: "memory"} -> {type: "memory", ...}
// after a full GC. Parent side: startRouterProcess(natsUrl) returns a small client.
import { fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const isChild = process.argv[2] === "--child";

/** Epoch ms with sub-ms precision; comparable across processes on one machine. */
export function epochMs() {
  return performance.timeOrigin + performance.now();
}

if (isChild) {
  const { loadConfig, start } = await import("@signalbox/router");
  const { pino } = await import("pino");
  const config = loadConfig({
    ROUTER_LISTEN: "127.0.0.1:0",
    ROUTER_ADMIN_LISTEN: "127.0.0.1:0",
    NATS_URL: process.env.NATS_URL,
    LOG_LEVEL: "warn",
    DRAIN_DELAY_MS: "0",
    DRAIN_TIMEOUT_MS: "1000",
    ROUTER_SLOW_START_MS: "0",
  });
  const router = await start(config, { logger: pino({ level: "warn" }) });
  const waiters = [];
  // Polls the swapped-in version every millisecond: the bench's resolution.
  const poll = setInterval(() => {
    const version = router.tableVersion();
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (version >= waiters[i]) {
        process.send({ type: "version", version: waiters[i], atMs: epochMs() });
        waiters.splice(i, 1);
      }
    }
  }, 1);
  process.on("message", async (message) => {
    if (message.type === "wait-version") waiters.push(message.version);
    if (message.type === "memory") {
      global.gc?.();
      process.send({ type: "memory", ...process.memoryUsage() });
    }
    if (message.type === "stop") {
      clearInterval(poll);
      await router.stop();
      process.exit(0);
    }
  });
  process.send({ type: "ready", port: router.addresses[0].port });
}

/** Forks the router child against `natsUrl`; resolves once it listens. */
export async function startRouterProcess(natsUrl) {
  const child = fork(fileURLToPath(import.meta.url), ["--child"], {
    env: { ...process.env, NATS_URL: natsUrl },
    execArgv: ["--expose-gc"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const [ready] = await once(child, "message");
  const request = (message, type) =>
    new Promise((resolve) => {
      const onMessage = (reply) => {
        if (reply.type !== type || (message.version !== undefined && reply.version !== message.version))
          return;
        child.off("message", onMessage);
        resolve(reply);
      };
      child.on("message", onMessage);
      child.send(message);
    });
  return {
    port: ready.port,
    /** Resolves with the epoch ms at which the router held `version` (or a later one). */
    waitForVersion: (version) => request({ type: "wait-version", version }, "version").then((r) => r.atMs),
    memory: () => request({ type: "memory" }, "memory"),
    async stop() {
      child.send({ type: "stop" });
      await once(child, "exit");
    },
  };
}
