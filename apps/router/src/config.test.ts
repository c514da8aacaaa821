import { ConfigError } from "@signalbox/bus";
import { describe, expect, it } from "vitest";
import { HELP, loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("has the contract's defaults", () => {
    const config = loadConfig({});
    expect(config.listen).toEqual([{ host: "0.0.0.0", port: 8080 }]);
    expect(config.adminListen).toEqual({ host: "127.0.0.1", port: 9090 });
    expect(config.drainDelayMs).toBe(5000);
    expect(config.drainTimeoutMs).toBe(30_000);
    expect(config.logLevel).toBe("info");
    expect(config.routerId).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(config).toMatchObject({
      poolQueue: 1000,
      poolQueueTimeoutMs: 5000,
      clientTimeoutMs: 30_000,
      maxBodyBytes: 0,
      tunnelIdleTimeoutMs: 3_600_000,
      maxTunnels: 10_000,
    });
    expect(config.tlsListen).toEqual([]);
  });

  it("opens HTTPS listeners only when ROUTER_TLS_LISTEN names some", () => {
    expect(loadConfig({ ROUTER_TLS_LISTEN: "  " }).tlsListen).toEqual([]);
    expect(loadConfig({ ROUTER_TLS_LISTEN: ":8443,[::1]:0" }).tlsListen).toEqual([
      { host: "0.0.0.0", port: 8443 },
      { host: "::1", port: 0 },
    ]);
  });

  it("reads several listeners and passes NATS_* through", () => {
    const config = loadConfig({
      ROUTER_LISTEN: "127.0.0.1:0, [::1]:8081",
      NATS_URL: "nats://n:4222",
      ROUTER_ID: "r-1",
    });
    expect(config.listen).toEqual([
      { host: "127.0.0.1", port: 0 },
      { host: "::1", port: 8081 },
    ]);
    expect(config.natsEnv).toEqual({ NATS_URL: "nats://n:4222" });
    expect(config.routerId).toBe("r-1");
  });

  it.each([
    ["ROUTER_LISTEN", "localhost"],
    ["ROUTER_ADMIN_LISTEN", "1.2.3.4:99999"],
    ["DRAIN_DELAY_MS", "-1"],
    ["ROUTER_RETRIES", "two"],
    ["ROUTER_POOL_QUEUE", "-1"],
    ["ROUTER_POOL_QUEUE_TIMEOUT_MS", "0"],
    ["ROUTER_CLIENT_TIMEOUT_MS", "soon"],
    ["ROUTER_MAX_BODY_BYTES", "1.5"],
    ["ROUTER_TUNNEL_IDLE_TIMEOUT_MS", "0"],
    ["ROUTER_MAX_TUNNELS", "-5"],
    ["LOG_LEVEL", "loud"],
    ["ROUTER_ID", "a.b"],
    ["ROUTER_TRUSTED_PROXIES", "10.0.0.0/8,proxy.test"],
    ["ROUTER_PROXY_PROTOCOL_LISTEN", "127.0.0.1:8443"],
    ["ROUTER_TLS_LISTEN", "127.0.0.1:8443,nowhere"],
    ["ROUTER_ACCESS_LOG_QUERY", "yes"],
    ["ROUTER_ACCESS_LOG_SAMPLE", "0"],
    ["ROUTER_ACCESS_LOG_SLOW_MS", "fast"],
    ["OTEL_TRACES_SAMPLER", "sometimes"],
    ["OTEL_TRACES_SAMPLER_ARG", "2"],
    ["OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://collector"],
  ])("rejects %s=%s naming the variable and value", (variable, value) => {
    const error = (() => {
      try {
        loadConfig({ [variable]: value });
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toContain(value);
  });

  it("rejects bad NATS_* values at load time with the bus's ConfigError", () => {
    expect(() => loadConfig({ NATS_URL: "http://x" })).toThrow(/NATS_URL/);
  });

  it("trusts no proxy and has no PROXY protocol listener by default", () => {
    const config = loadConfig({});
    expect(config.trustedProxies.empty).toBe(true);
    expect(config.proxyProtocolListen).toEqual([]);
  });

  it("reads trusted proxies and PROXY protocol listeners", () => {
    const config = loadConfig({
      ROUTER_TRUSTED_PROXIES: "10.0.0.0/8, ::1",
      ROUTER_PROXY_PROTOCOL_LISTEN: "127.0.0.1:8443",
    });
    expect(config.trustedProxies.contains("10.1.1.1")).toBe(true);
    expect(config.trustedProxies.contains("192.168.0.1")).toBe(false);
    expect(config.proxyProtocolListen).toEqual([{ host: "127.0.0.1", port: 8443 }]);
  });

  it("lists the trusted-proxy and PROXY protocol variables in HELP", () => {
    expect(HELP).toContain("ROUTER_TRUSTED_PROXIES");
    expect(HELP).toContain("ROUTER_PROXY_PROTOCOL_LISTEN");
  });

  it("writes the access log to stdout, every answer, no query, by default", () => {
    expect(loadConfig({}).accessLog).toEqual({
      destination: "stdout",
      logQuery: false,
      sample: 1,
      slowMs: 0,
    });
    expect(loadConfig({ ROUTER_ACCESS_LOG: "off" }).accessLog.destination).toBe("off");
    expect(loadConfig({ ROUTER_ACCESS_LOG: "/var/log/sb.log" }).accessLog.destination).toEqual({
      path: "/var/log/sb.log",
    });
  });

  it("lists the access-log and tracing variables in HELP", () => {
    for (const name of [
      "ROUTER_ACCESS_LOG ",
      "ROUTER_ACCESS_LOG_QUERY",
      "ROUTER_ACCESS_LOG_SAMPLE",
      "ROUTER_ACCESS_LOG_SLOW_MS",
      "OTEL_EXPORTER_OTLP_ENDPOINT",
      "OTEL_SERVICE_NAME",
      "OTEL_TRACES_SAMPLER",
    ]) {
      expect(HELP).toContain(name);
    }
  });

  it("accepts :port for all interfaces", () => {
    expect(loadConfig({ ROUTER_ADMIN_LISTEN: ":80" }).adminListen).toEqual({ host: "0.0.0.0", port: 80 });
  });
});
