// The private nats-server harness itself: start, JetStream, auth, restart keeping data,
// a three-node cluster, and stop leaving no process or store behind.
import { existsSync } from "node:fs";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { afterEach, describe, expect, it } from "vitest";
import { NatsServerNotFoundError } from "../src/errors.js";
import {
  type NatsCluster,
  type NatsServer,
  startNatsCluster,
  startNatsServer,
} from "../src/testing/index.js";
import { killAllNatsProcesses } from "../src/testing/nats-process.js";

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function server(opts?: Parameters<typeof startNatsServer>[0]): Promise<NatsServer> {
  const started = await startNatsServer(opts);
  cleanups.push(() => started.stop());
  return started;
}

describe("startNatsServer", () => {
  it("starts a JetStream server on a free port that stores KV data", async () => {
    const nats = await server();
    expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
    expect(nats.port).not.toBe(4222);
    const nc = await connect({ servers: nats.url });
    try {
      const kv = await new Kvm(nc).create("harness");
      await kv.put("k", "v");
      expect((await kv.get("k"))?.string()).toBe("v");
    } finally {
      await nc.close();
    }
  });

  it("keeps JetStream data across restart, with a new process on the same port", async () => {
    const nats = await server();
    const firstPid = nats.pid;
    const nc = await connect({ servers: nats.url });
    await (await new Kvm(nc).create("harness")).put("survives", "yes");
    await nc.close();

    await nats.restart();
    expect(nats.pid).not.toBe(firstPid);
    expect(isRunning(firstPid)).toBe(false);
    const again = await connect({ servers: nats.url });
    try {
      const kv = await new Kvm(again).create("harness");
      expect((await kv.get("survives"))?.string()).toBe("yes");
    } finally {
      await again.close();
    }
  });

  it("stop kills the process and removes the store; a second stop is harmless", async () => {
    const nats = await startNatsServer();
    const { pid, storeDir } = nats;
    expect(isRunning(pid)).toBe(true);
    expect(storeDir && existsSync(storeDir)).toBe(true);
    await nats.stop();
    expect(isRunning(pid)).toBe(false);
    expect(storeDir && existsSync(storeDir)).toBe(false);
    await nats.stop();
    await expect(nats.restart()).rejects.toThrow(/stopped/);
  });

  it("runs without JetStream when asked", async () => {
    const nats = await server({ jetstream: false });
    expect(nats.storeDir).toBeUndefined();
    const nc = await connect({ servers: nats.url });
    try {
      await expect(jetstreamManager(nc)).rejects.toThrow();
    } finally {
      await nc.close();
    }
  });

  it("requires the configured user and password", async () => {
    const nats = await server({ user: "sb", password: "secret" });
    await expect(connect({ servers: nats.url, reconnect: false })).rejects.toThrow();
    const nc = await connect({ servers: nats.url, user: "sb", pass: "secret" });
    await nc.close();
  });

  it("says how to install nats-server when the binary is missing", async () => {
    const saved = process.env.NATS_SERVER_BIN;
    process.env.NATS_SERVER_BIN = "/nonexistent/nats-server";
    try {
      const error = await startNatsServer().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NatsServerNotFoundError);
      expect((error as Error).message).toBe(
        "/nonexistent/nats-server not found on PATH: install it (Debian: apt-get install nats-server) or set NATS_SERVER_BIN",
      );
    } finally {
      if (saved === undefined) delete process.env.NATS_SERVER_BIN;
      else process.env.NATS_SERVER_BIN = saved;
    }
  });

  it("kills forgotten servers and removes their stores on process exit", async () => {
    const nats = await startNatsServer();
    cleanups.push(() => nats.stop());
    killAllNatsProcesses();
    for (let i = 0; i < 100 && isRunning(nats.pid); i++) await new Promise((r) => setTimeout(r, 20));
    expect(isRunning(nats.pid)).toBe(false);
    expect(nats.storeDir && existsSync(nats.storeDir)).toBe(false);
  });
});

describe("startNatsCluster", () => {
  it("forms a three-node JetStream cluster that replicates a KV bucket, and stops every node", async () => {
    const cluster: NatsCluster = await startNatsCluster();
    cleanups.push(() => cluster.stop());
    expect(cluster.urls).toHaveLength(3);
    expect(new Set(cluster.urls).size).toBe(3);

    const writer = await connect({ servers: cluster.urls[0] });
    const reader = await connect({ servers: cluster.urls[2] });
    try {
      const kv = await new Kvm(writer).create("replicated", { replicas: 3 });
      expect((await kv.status()).replicas).toBe(3);
      await kv.put("k", "v");
      const fromOtherNode = await new Kvm(reader).create("replicated", { replicas: 3 });
      expect((await fromOtherNode.get("k"))?.string()).toBe("v");
    } finally {
      await writer.close();
      await reader.close();
    }

    const pids = cluster.servers.map((node) => node.pid);
    await cluster.stop();
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
  });
});
