// grpc.health.v1 server through a separate @grpc/grpc-js client: Check, Watch, List, stop.

import { status as grpcStatus } from "@grpc/grpc-js";
import { systemClock } from "@signalbox/backoff";
import { waitUntil } from "@signalbox/bus/testing";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { type HealthGrpcServer, startHealthGrpcServer } from "../src/grpc/health-service.js";
import { createHealthStore, type HealthStore } from "../src/grpc/health-store.js";
import { connectHealthClient, type TestHealthClient } from "./health-client.js";

const logger = pino({ level: "silent" });
let server: HealthGrpcServer | undefined;
let client: TestHealthClient | undefined;

afterEach(async () => {
  client?.close();
  await server?.stop();
  server = undefined;
  client = undefined;
});

async function start(): Promise<{ store: HealthStore; server: HealthGrpcServer; client: TestHealthClient }> {
  const store = createHealthStore();
  server = await startHealthGrpcServer({ store, listen: "127.0.0.1:0", logger, clock: systemClock });
  client = connectHealthClient(`127.0.0.1:${server.port}`);
  return { store, server, client };
}

describe("Check", () => {
  it("answers SERVING for the overall status while running", async () => {
    const { client } = await start();
    expect(await client.check("")).toEqual({ status: "SERVING" });
  });

  it("answers NOT_FOUND for a service never seen", async () => {
    const { client } = await start();
    expect(await client.check("/never/seen")).toEqual({ code: grpcStatus.NOT_FOUND });
  });

  it("answers the stored status of a known service", async () => {
    const { store, client } = await start();
    store.set("/shop/web", "NOT_SERVING");
    expect(await client.check("/shop/web")).toEqual({ status: "NOT_SERVING" });
    store.set("/shop/web", "SERVING");
    expect(await client.check("/shop/web")).toEqual({ status: "SERVING" });
  });
});

describe("Watch", () => {
  it("sends SERVICE_UNKNOWN for an unknown service, keeps the stream open, then each change once", async () => {
    const { store, client } = await start();
    const watch = client.watch("/shop/web");
    expect(await watch.next()).toBe("SERVICE_UNKNOWN");
    expect(await watch.next(100)).toBe("timeout");
    store.set("/shop/web", "SERVING");
    store.set("/shop/web", "SERVING");
    store.set("/shop/web", "NOT_SERVING");
    expect(await watch.next()).toBe("SERVING");
    expect(await watch.next()).toBe("NOT_SERVING");
    expect(await watch.next(100)).toBe("timeout");
    watch.cancel();
  });

  it("sends the current status first for a known service", async () => {
    const { store, client } = await start();
    store.set("/api", "NOT_SERVING");
    const watch = client.watch("/api");
    expect(await watch.next()).toBe("NOT_SERVING");
    watch.cancel();
  });

  it("drops a watcher that goes away", async () => {
    const { store, server, client } = await start();
    const leaving = client.watch("/api");
    const staying = client.watch("/api");
    expect(await leaving.next()).toBe("SERVICE_UNKNOWN");
    expect(await staying.next()).toBe("SERVICE_UNKNOWN");
    expect(server.watchers).toBe(2);
    leaving.cancel();
    await waitUntil(() => server.watchers === 1, "one watcher", 3000);
    store.set("/api", "SERVING");
    expect(await staying.next()).toBe("SERVING");
    staying.cancel();
    await waitUntil(() => server.watchers === 0, "no watcher", 3000);
  });
});

describe("List", () => {
  it("lists every known service with its status, the overall one included", async () => {
    const { store, client } = await start();
    store.set("/a", "SERVING");
    store.set("/b", "NOT_SERVING");
    expect(await client.list()).toEqual({
      statuses: { "": { status: "SERVING" }, "/a": { status: "SERVING" }, "/b": { status: "NOT_SERVING" } },
    });
  });

  it("answers RESOURCE_EXHAUSTED past 100 services", async () => {
    const { store, client } = await start();
    for (let i = 0; i < 99; i += 1) store.set(`/s${i}`, "SERVING");
    expect(await client.list()).toMatchObject({ statuses: { "/s98": { status: "SERVING" } } });
    store.set("/one-too-many", "SERVING");
    expect(await client.list()).toEqual({ code: grpcStatus.RESOURCE_EXHAUSTED });
  });
});

describe("stop", () => {
  it("tells watchers NOT_SERVING, ends their streams with OK, and shuts the server down", async () => {
    const { store, server: running, client } = await start();
    store.set("/api", "SERVING");
    const overall = client.watch("");
    const api = client.watch("/api");
    expect(await overall.next()).toBe("SERVING");
    expect(await api.next()).toBe("SERVING");
    await running.stop();
    expect(await overall.next()).toBe("NOT_SERVING");
    expect(await overall.next()).toBe(`end:${grpcStatus.OK}`);
    expect(await api.next()).toBe(`end:${grpcStatus.OK}`);
    expect(store.get("")).toBe("NOT_SERVING");
    const late = client.watch("");
    expect(await late.next()).toBe(`end:${grpcStatus.UNAVAILABLE}`);
  });
});
