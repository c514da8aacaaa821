import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";
import { ConfigError } from "./errors.js";

const base = { AGENT_BACKEND: "127.0.0.1:8081", AGENT_SERVICE: "web", AGENT_TOKEN: "s3cret" };

describe("loadConfig", () => {
  it("applies the defaults", () => {
    const config = loadConfig({ ...base, NATS_URL: "nats://n:4222", HOME: "/root" });
    expect(config).toMatchObject({
      backend: "127.0.0.1:8081",
      service: "web",
      token: "s3cret",
      labels: {},
      heartbeatMs: 2000,
      concurrency: 100,
      drainTimeoutMs: 30_000,
      logLevel: "info",
      natsEnv: { NATS_URL: "nats://n:4222" },
    });
    expect(config.instanceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(config.location).toBeUndefined();
    expect(config.weight).toBeUndefined();
    expect(config.healthPath).toBeUndefined();
  });

  it("reads every optional variable", () => {
    const config = loadConfig({
      ...base,
      AGENT_BACKEND: "[::1]:9000",
      AGENT_LABELS: "tier:web release:v2",
      AGENT_LOCATION: "city=Paris",
      AGENT_WEIGHT: "2.5",
      AGENT_HEARTBEAT_MS: "500",
      AGENT_HEALTH_PATH: "/healthz",
      AGENT_CONCURRENCY: "8",
      AGENT_INSTANCE_ID: "web-1",
      DRAIN_TIMEOUT_MS: "0",
      LOG_LEVEL: "debug",
    });
    expect(config).toMatchObject({
      backend: "[::1]:9000",
      labels: { tier: "web", release: "v2" },
      location: { cityName: "Paris" },
      weight: 2.5,
      heartbeatMs: 500,
      healthPath: "/healthz",
      concurrency: 8,
      instanceId: "web-1",
      drainTimeoutMs: 0,
      logLevel: "debug",
    });
  });

  it("names the reserved label it refuses", () => {
    expect(() => loadConfig({ ...base, AGENT_LABELS: "heimdall.host=a.test" })).toThrow(
      /label "heimdall\.host" is reserved/,
    );
  });

  it.each([
    [{ AGENT_BACKEND: undefined }, "AGENT_BACKEND", undefined],
    [{ AGENT_TOKEN: " " }, "AGENT_TOKEN", " "],
    [{ AGENT_SERVICE: "" }, "AGENT_SERVICE", ""],
    [{ AGENT_BACKEND: "localhost" }, "AGENT_BACKEND", "localhost"],
    [{ AGENT_BACKEND: "h:70000" }, "AGENT_BACKEND", "h:70000"],
    [{ AGENT_BACKEND: "::1:80" }, "AGENT_BACKEND", "::1:80"],
    [{ AGENT_BACKEND: ":8080" }, "AGENT_BACKEND", ":8080"],
    [{ AGENT_BACKEND: "h:0" }, "AGENT_BACKEND", "h:0"],
    [{ AGENT_LABELS: "a=1,a=2" }, "AGENT_LABELS", "a=1,a=2"],
    [{ AGENT_LABELS: "tier=web,marathon.app=/shop/web" }, "AGENT_LABELS", "tier=web,marathon.app=/shop/web"],
    [{ AGENT_LABELS: "signalbox.health.path=/x" }, "AGENT_LABELS", "signalbox.health.path=/x"],
    [{ AGENT_LABELS: "HAPROXY_0_VHOST=a.test" }, "AGENT_LABELS", "HAPROXY_0_VHOST=a.test"],
    [{ AGENT_LOCATION: "lat=x" }, "AGENT_LOCATION", "lat=x"],
    [{ AGENT_WEIGHT: "-1" }, "AGENT_WEIGHT", "-1"],
    [{ AGENT_WEIGHT: "10001" }, "AGENT_WEIGHT", "10001"],
    [{ AGENT_HEARTBEAT_MS: "2s" }, "AGENT_HEARTBEAT_MS", "2s"],
    [{ AGENT_HEARTBEAT_MS: "5" }, "AGENT_HEARTBEAT_MS", "5"],
    [{ AGENT_HEALTH_PATH: "healthz" }, "AGENT_HEALTH_PATH", "healthz"],
    [{ AGENT_CONCURRENCY: "0" }, "AGENT_CONCURRENCY", "0"],
    [{ AGENT_INSTANCE_ID: "a.b" }, "AGENT_INSTANCE_ID", "a.b"],
    [{ DRAIN_TIMEOUT_MS: "-5" }, "DRAIN_TIMEOUT_MS", "-5"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL", "loud"],
  ])("rejects %j naming the variable and value", (override, variable, value) => {
    let caught: unknown;
    try {
      loadConfig({ ...base, ...override });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect(caught).toMatchObject({ code: "SB_CONFIG", variable, value });
    expect((caught as Error).message).toContain(variable);
  });
});
