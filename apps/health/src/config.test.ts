import { ConfigError } from "@signalbox/bus";
import { formatAddress } from "@signalbox/route-model";
import { describe, expect, it } from "vitest";
import { HELP, loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("has the contract's defaults", () => {
    expect(loadConfig({})).toEqual({
      grpcListen: { host: "0.0.0.0", port: 50051 },
      adminListen: { host: "127.0.0.1", port: 9092 },
      intervalMs: 2000,
      timeoutMs: 1000,
      rise: 2,
      fall: 3,
      concurrency: 64,
      publishIntervalMs: 5000,
      logLevel: "info",
      natsEnv: {},
    });
  });

  it("reads every variable, and passes NATS_* on as they are", () => {
    const config = loadConfig({
      HEALTH_GRPC_LISTEN: "[::]:6000",
      HEALTH_ADMIN_LISTEN: "127.0.0.1:0",
      HEALTH_INTERVAL_MS: "500",
      HEALTH_TIMEOUT_MS: "250",
      HEALTH_RISE: "1",
      HEALTH_FALL: "5",
      HEALTH_CONCURRENCY: "8",
      HEALTH_PUBLISH_INTERVAL_MS: "1000",
      LOG_LEVEL: "debug",
      NATS_URL: "nats://10.0.0.1:4222",
      NATS_TOKEN: "t",
      HOME: "/root",
    });
    expect(config).toMatchObject({
      grpcListen: { host: "::", port: 6000 },
      adminListen: { host: "127.0.0.1", port: 0 },
      intervalMs: 500,
      timeoutMs: 250,
      rise: 1,
      fall: 5,
      concurrency: 8,
      publishIntervalMs: 1000,
      logLevel: "debug",
      natsEnv: { NATS_URL: "nats://10.0.0.1:4222", NATS_TOKEN: "t" },
    });
    expect(formatAddress(config.grpcListen.host, config.grpcListen.port)).toBe("[::]:6000");
  });

  it.each([
    ["HEALTH_INTERVAL_MS", "2s"],
    ["HEALTH_TIMEOUT_MS", "0"],
    ["HEALTH_RISE", "-1"],
    ["HEALTH_FALL", "1.5"],
    ["HEALTH_CONCURRENCY", "0"],
    ["HEALTH_PUBLISH_INTERVAL_MS", "soon"],
    ["HEALTH_GRPC_LISTEN", "50051"],
    ["HEALTH_ADMIN_LISTEN", "localhost:99999"],
    ["LOG_LEVEL", "loud"],
  ])("rejects %s=%s, naming both", (variable, value) => {
    let caught: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect(caught).toMatchObject({ code: "SB_CONFIG", variable, value });
    expect((caught as Error).message).toContain(variable);
    expect((caught as Error).message).toContain(JSON.stringify(value));
  });

  it("lists every variable it reads in HELP", () => {
    for (const name of [
      "HEALTH_GRPC_LISTEN",
      "HEALTH_ADMIN_LISTEN",
      "HEALTH_INTERVAL_MS",
      "HEALTH_TIMEOUT_MS",
      "HEALTH_RISE",
      "HEALTH_FALL",
      "HEALTH_CONCURRENCY",
      "HEALTH_PUBLISH_INTERVAL_MS",
      "NATS_URL",
      "NATS_CREDS",
      "LOG_LEVEL",
    ]) {
      expect(HELP).toContain(name);
    }
  });
});
