import { describe, expect, it } from "vitest";
import { HELP, loadConfig } from "./config.js";
import { ConfigError } from "./errors.js";

describe("loadConfig", () => {
  it("uses the documented defaults", () => {
    const config = loadConfig({});
    expect(config.marathonMasters).toEqual([]);
    expect(config.routesFile).toBeUndefined();
    expect(config.resyncMs).toBe(300_000);
    expect(config.staleStreamMs).toBe(30_000);
    expect(config.debounceMs).toBe(50);
    expect(config.leaseTtlMs).toBe(5_000);
    expect(config.agentHeartbeatMs).toBe(2_000);
    expect(config.adminListen).toEqual({ host: "127.0.0.1", port: 9091 });
    expect(config.logLevel).toBe("info");
    expect(config.watcherId).toMatch(/-\d+$/);
    expect(config.denyBackendCidrs.empty).toBe(true);
  });

  it("reads WATCHER_DENY_BACKEND_CIDRS as a list of ranges", () => {
    const config = loadConfig({ WATCHER_DENY_BACKEND_CIDRS: "10.0.0.0/8, fd00::/8,192.0.2.1" });
    expect(config.denyBackendCidrs.entries).toEqual(["10.0.0.0/8", "fd00::/8", "192.0.2.1/32"]);
  });

  it("reads several masters and turns user:password@ into a basic auth header", () => {
    const config = loadConfig({ MARATHON_URL: "http://ops:p%40ss@m1:8080/, https://m2:8443/marathon" });
    expect(config.marathonMasters).toEqual([
      { url: "http://m1:8080", authorization: `Basic ${Buffer.from("ops:p@ss").toString("base64")}` },
      { url: "https://m2:8443/marathon" },
    ]);
  });

  it("keeps the NATS_* variables for the bus and reads the rest", () => {
    const config = loadConfig({
      NATS_URL: "nats://a:4222,nats://b:4222",
      NATS_TOKEN: "t",
      ROUTES_FILE: "/etc/signalbox/routes.yaml",
      WATCHER_ID: "w1",
      WATCHER_ADMIN_LISTEN: "[::1]:0",
      WATCHER_DEBOUNCE_MS: "0",
      LOG_LEVEL: "debug",
    });
    expect(config.natsEnv).toEqual({ NATS_URL: "nats://a:4222,nats://b:4222", NATS_TOKEN: "t" });
    expect(config.routesFile).toBe("/etc/signalbox/routes.yaml");
    expect(config.watcherId).toBe("w1");
    expect(config.adminListen).toEqual({ host: "::1", port: 0 });
    expect(config.debounceMs).toBe(0);
    expect(config.logLevel).toBe("debug");
  });

  it.each([
    ["MARATHON_URL", "m1:8080 x"],
    ["MARATHON_URL", "ftp://m1"],
    ["WATCHER_RESYNC_MS", "5m"],
    ["WATCHER_LEASE_TTL_MS", "0"],
    ["WATCHER_STALE_STREAM_MS", "-1"],
    ["WATCHER_ADMIN_LISTEN", "9091"],
    ["WATCHER_DENY_BACKEND_CIDRS", "10.0.0.0/8,10.0.0/8"],
    ["WATCHER_DENY_BACKEND_CIDRS", "10.0.0.0/40"],
    ["LOG_LEVEL", "loud"],
  ])("rejects %s=%s with a ConfigError naming the variable and the value", (variable, value) => {
    let thrown: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).variable).toBe(variable);
    expect((thrown as ConfigError).value).toBe(value);
    expect((thrown as ConfigError).message).toContain(value);
  });

  it("names a bad MARATHON_URL without the password of another master", () => {
    const thrown = (() => {
      try {
        loadConfig({ MARATHON_URL: "http://ops:s3cret@m1:8080,ftp://m2" });
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toContain('"ftp://m2" is not http(s)');
    expect((thrown as ConfigError).message).toContain("http://***@m1:8080");
    expect((thrown as ConfigError).message).not.toContain("s3cret");
  });

  it("lists every variable in HELP", () => {
    for (const name of [
      "MARATHON_URL",
      "ROUTES_FILE",
      "NATS_URL",
      "LOG_LEVEL",
      "WATCHER_ADMIN_LISTEN",
      "WATCHER_ID",
      "WATCHER_LEASE_TTL_MS",
      "WATCHER_RESYNC_MS",
      "WATCHER_STALE_STREAM_MS",
      "WATCHER_DEBOUNCE_MS",
      "WATCHER_MARATHON_TIMEOUT_MS",
      "WATCHER_AGENT_HEARTBEAT_MS",
      "WATCHER_DENY_BACKEND_CIDRS",
    ]) {
      expect(HELP).toContain(name);
    }
  });
});
