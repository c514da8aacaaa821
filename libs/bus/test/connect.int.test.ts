// connectNats against private servers: env auth, a first connect retried until NATS
// appears, abort while waiting, and logged disconnect/reconnect across a restart.
import { afterEach, describe, expect, it } from "vitest";
import { connectNats } from "../src/connect.js";
import { findFreePorts } from "../src/testing/free-port.js";
import { captureLogger, type NatsServer, startNatsServer, waitUntil } from "../src/testing/index.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(opts?: Parameters<typeof startNatsServer>[0]): Promise<NatsServer> {
  const started = await startNatsServer(opts);
  cleanups.push(() => started.stop());
  return started;
}

describe("connectNats", () => {
  it("connects with NATS_URL, NATS_USER and NATS_PASSWORD from env, under the given name", async () => {
    const nats = await server({ jetstream: false, user: "sb", password: "pw" });
    const logs = captureLogger();
    const nc = await connectNats({
      env: { NATS_URL: nats.url, NATS_USER: "sb", NATS_PASSWORD: "pw" },
      name: "signalbox-test",
      logger: logs.logger,
    });
    cleanups.push(() => nc.close());
    expect(nc.info?.port).toBe(nats.port);
    expect(logs.lines).toContainEqual(
      expect.objectContaining({ msg: "connected to NATS", name: "signalbox-test" }),
    );
  });

  it("warns when it connects without credentials, and not with them", async () => {
    const open = await server({ jetstream: false });
    const anonymous = captureLogger();
    const first = await connectNats({
      env: { NATS_URL: open.url },
      name: "anonymous",
      logger: anonymous.logger,
    });
    cleanups.push(() => first.close());
    expect(anonymous.find("connected to NATS without credentials")).toEqual([
      expect.objectContaining({ level: 40, server: `127.0.0.1:${open.port}` }),
    ]);
    const locked = await server({ jetstream: false, user: "sb", password: "pw" });
    const withLogin = captureLogger();
    const second = await connectNats({
      env: { NATS_URL: locked.url, NATS_USER: "sb", NATS_PASSWORD: "pw" },
      name: "with-login",
      logger: withLogin.logger,
    });
    cleanups.push(() => second.close());
    expect(withLogin.find("without credentials")).toEqual([]);
    // Its replies come to its own inbox prefix: a request round-trips through it.
    const sub = second.subscribe("echo", {
      callback: (_error, msg) => {
        msg.respond(msg.reply ?? "");
      },
    });
    cleanups.push(async () => sub.unsubscribe());
    expect((await second.request("echo", "", { timeout: 5_000 })).string()).toMatch(/^_INBOX_sb\./);
  });

  it("keeps retrying the first connect, logging each failure, until a server appears", async () => {
    const [port] = await findFreePorts(1);
    const logs = captureLogger();
    const connecting = connectNats({
      servers: `nats://127.0.0.1:${port}`,
      name: "early",
      logger: logs.logger,
    });
    await waitUntil(
      () => logs.messages().filter((m) => m === "cannot connect to NATS; retrying").length >= 2,
      "two connect retries",
      10_000,
      20,
    );
    await server({ port, jetstream: false });
    const nc = await connecting;
    cleanups.push(() => nc.close());
    expect(nc.isClosed()).toBe(false);
    const failures = logs.lines.filter((line) => line.msg === "cannot connect to NATS; retrying");
    expect(failures.map((line) => line.attempt)).toEqual(failures.map((_, i) => i + 1));
  });

  it("never logs the credentials NATS_URL carries while it retries", async () => {
    const [port] = await findFreePorts(1);
    const logs = captureLogger();
    const controller = new AbortController();
    const connecting = connectNats({
      env: { NATS_URL: `nats://sb:pw-s3cret@127.0.0.1:${port}` },
      name: "secretive",
      logger: logs.logger,
      signal: controller.signal,
    });
    await waitUntil(
      () => logs.messages().includes("cannot connect to NATS; retrying"),
      "a connect retry",
      10_000,
      20,
    );
    controller.abort(new Error("done"));
    await expect(connecting).rejects.toThrow("done");
    const retry = logs.find("cannot connect to NATS; retrying")[0];
    expect(retry?.servers).toEqual([`nats://***@127.0.0.1:${port}`]);
    expect(JSON.stringify(logs.lines)).not.toContain("s3cret");
  });

  it("stops retrying when its signal aborts", async () => {
    const [port] = await findFreePorts(1);
    const logs = captureLogger();
    const controller = new AbortController();
    const connecting = connectNats({
      servers: `nats://127.0.0.1:${port}`,
      name: "aborted",
      logger: logs.logger,
      signal: controller.signal,
    });
    await waitUntil(
      () => logs.messages().includes("cannot connect to NATS; retrying"),
      "a connect retry",
      10_000,
      20,
    );
    const reason = new Error("service stopping");
    controller.abort(reason);
    await expect(connecting).rejects.toBe(reason);
  });

  it("logs the disconnect and the reconnect when the server restarts, and works again after", async () => {
    const nats = await server({ jetstream: false });
    const logs = captureLogger();
    const nc = await connectNats({ servers: nats.url, name: "survivor", logger: logs.logger });
    cleanups.push(() => nc.close());
    await nats.restart();
    await waitUntil(() => logs.messages().includes("reconnected to NATS"), "the reconnect", 10_000, 20);
    expect(logs.messages()).toContain("disconnected from NATS");
    const sub = nc.subscribe("after.restart", { max: 1 });
    nc.publish("after.restart", "hello");
    for await (const msg of sub) expect(msg.string()).toBe("hello");
  });
});
