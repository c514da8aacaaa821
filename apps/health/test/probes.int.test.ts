// Each probe against real loopback servers: HTTP, TCP, gRPC Check and Watch.
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { systemClock } from "@signalbox/backoff";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { healthServiceDefinition } from "../src/grpc/health-proto.js";
import { type HealthGrpcServer, startHealthGrpcServer } from "../src/grpc/health-service.js";
import { createHealthStore, type HealthStore } from "../src/grpc/health-store.js";
import { grpcCheckProbe } from "../src/probes/grpc-probe.js";
import { followGrpcWatch, type WatchEnd } from "../src/probes/grpc-watch.js";
import { httpProbe } from "../src/probes/http-probe.js";
import type { ProbeTarget } from "../src/probes/probe-target.js";
import { tcpProbe } from "../src/probes/tcp-probe.js";
import type { ServingStatus } from "../src/status/backend-verdict.js";

const logger = pino({ level: "silent" });
const never = new AbortController().signal;

function target(address: string, over: Partial<ProbeTarget> = {}): ProbeTarget {
  return {
    id: "b1",
    service: "/shop",
    address,
    kind: "http",
    httpPath: "/",
    grpcService: "",
    heldOut: false,
    ...over,
  };
}

async function listen(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closedAddress(): Promise<string> {
  const server = createServer();
  const address = await listen(server);
  server.close();
  await once(server, "close");
  return address;
}

describe("httpProbe", () => {
  let server: Server;
  let address: string;
  const paths: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? "");
      if (req.url === "/health") res.writeHead(200).end("ok");
      else if (req.url === "/moved") res.writeHead(302, { location: "/elsewhere" }).end();
      else if (req.url === "/hang") return;
      else res.writeHead(req.url === "/" ? 204 : 500).end();
    });
    address = await listen(server);
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
  });

  it.each([
    ["/", true],
    ["/health", true],
    ["/moved", true],
    ["/broken", false],
  ])("GET %s passes: %s", async (path, passes) => {
    const result = await httpProbe(target(address, { httpPath: path }), never);
    expect(result.ok).toBe(passes);
    expect(paths.at(-1)).toBe(path);
    if (!result.ok) expect(result.reason).toBe(`GET ${path} answered 500`);
  });

  it("fails when nothing listens", async () => {
    const result = await httpProbe(target(await closedAddress()), never);
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/ECONNREFUSED/) });
  });

  it("fails with the loop's reason when aborted", async () => {
    const controller = new AbortController();
    const probing = httpProbe(target(address, { httpPath: "/hang" }), controller.signal);
    setTimeout(() => controller.abort(new Error("no answer within 50 ms")), 50);
    expect(await probing).toEqual({ ok: false, reason: "GET /hang: no answer within 50 ms" });
  });
});

describe("tcpProbe", () => {
  it("passes when the port accepts, fails when it refuses", async () => {
    const server = createServer();
    try {
      expect(await tcpProbe(target(await listen(server), { kind: "tcp" }), never)).toEqual({ ok: true });
    } finally {
      server.close();
    }
    const refused = await tcpProbe(target(await closedAddress(), { kind: "tcp" }), never);
    expect(refused).toMatchObject({ ok: false, reason: expect.stringMatching(/^connect: .*ECONNREFUSED/) });
  });

  it("fails at once with an aborted signal", async () => {
    const result = await tcpProbe(
      target("127.0.0.1:9", { kind: "tcp" }),
      AbortSignal.abort(new Error("backend removed")),
    );
    expect(result).toEqual({ ok: false, reason: "connect: backend removed" });
  });
});

describe("gRPC probes", () => {
  let store: HealthStore;
  let backend: HealthGrpcServer;
  let address: string;
  beforeAll(async () => {
    store = createHealthStore();
    backend = await startHealthGrpcServer({ store, listen: "127.0.0.1:0", logger, clock: systemClock });
    address = `127.0.0.1:${backend.port}`;
  });
  afterAll(() => backend.stop());

  it("Check passes on SERVING and fails otherwise, naming the answer", async () => {
    store.set("orders", "SERVING");
    expect(await grpcCheckProbe(target(address, { kind: "grpc", grpcService: "orders" }), never)).toEqual({
      ok: true,
    });
    store.set("orders", "NOT_SERVING");
    expect(await grpcCheckProbe(target(address, { kind: "grpc", grpcService: "orders" }), never)).toEqual({
      ok: false,
      reason: "Check: NOT_SERVING",
    });
    const unknown = await grpcCheckProbe(target(address, { kind: "grpc", grpcService: "nope" }), never);
    expect(unknown).toMatchObject({ ok: false, reason: expect.stringMatching(/^Check: NOT_FOUND/) });
    expect(await grpcCheckProbe(target(address, { kind: "grpc" }), never)).toEqual({ ok: true });
  });

  it("Check fails when nothing listens", async () => {
    const result = await grpcCheckProbe(target(await closedAddress(), { kind: "grpc" }), never);
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/^Check: UNAVAILABLE/) });
  });

  it("Watch pushes each status the backend sends, until cancelled", async () => {
    store.set("payments", "SERVING");
    const seen: ServingStatus[] = [];
    const controller = new AbortController();
    const watching = followGrpcWatch(
      target(address, { kind: "grpc", grpcService: "payments" }),
      (status) => seen.push(status),
      controller.signal,
    );
    await expect.poll(() => seen).toEqual(["SERVING"]);
    store.set("payments", "NOT_SERVING");
    await expect.poll(() => seen).toEqual(["SERVING", "NOT_SERVING"]);
    controller.abort(new Error("backend removed"));
    expect(await watching).toEqual({ kind: "ended", reason: "Watch: backend removed" });
  });

  it("Watch reports UNIMPLEMENTED from a backend that has Check only", async () => {
    const checkOnly = new grpc.Server();
    checkOnly.addService(healthServiceDefinition, {
      check: (_call: unknown, callback: grpc.sendUnaryData<{ status: string }>) =>
        callback(null, { status: "SERVING" }),
    });
    const port = await new Promise<number>((resolve, reject) =>
      checkOnly.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    try {
      const end: WatchEnd = await followGrpcWatch(
        target(`127.0.0.1:${port}`, { kind: "grpc" }),
        () => {},
        never,
      );
      expect(end).toEqual({ kind: "unimplemented" });
    } finally {
      checkOnly.forceShutdown();
    }
  });

  it("Watch ends (to be retried) when the backend shuts down", async () => {
    const ownStore = createHealthStore();
    const dying = await startHealthGrpcServer({
      store: ownStore,
      listen: "127.0.0.1:0",
      logger,
      clock: systemClock,
    });
    const seen: ServingStatus[] = [];
    const watching = followGrpcWatch(
      target(`127.0.0.1:${dying.port}`, { kind: "grpc" }),
      (s) => seen.push(s),
      never,
    );
    await expect.poll(() => seen).toEqual(["SERVING"]);
    await dying.stop();
    expect(await watching).toMatchObject({ kind: "ended" });
    expect(seen).toEqual(["SERVING", "NOT_SERVING"]);
  });
});
