import { ConfigError } from "@signalbox/bus";
import { describe, expect, it } from "vitest";
import {
  type Env,
  parseHostPort,
  readInteger,
  readList,
  readListenAddress,
  readListenAddresses,
  readLogLevel,
  readNatsEnv,
} from "./env-readers.js";

/** Runs `read` and returns the ConfigError it throws (fails the test when it throws nothing else). */
function configErrorOf(read: () => unknown): ConfigError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError, nothing was thrown");
}

describe("readLogLevel", () => {
  it.each([
    [{}, "info"],
    [{ LOG_LEVEL: "" }, "info"],
    [{ LOG_LEVEL: "  " }, "info"],
    [{ LOG_LEVEL: "debug" }, "debug"],
    [{ LOG_LEVEL: " warn " }, "warn"],
    [{ LOG_LEVEL: "silent" }, "silent"],
  ] as [Env, string][])("reads %j as %s", (env, level) => {
    expect(readLogLevel(env)).toBe(level);
  });

  it.each(["loud", "INFO", "warning"])(
    "rejects LOG_LEVEL=%s naming the variable, the value and the levels",
    (value) => {
      const error = configErrorOf(() => readLogLevel({ LOG_LEVEL: value }));
      expect(error).toMatchObject({ code: "SB_CONFIG", variable: "LOG_LEVEL", value });
      expect(error.message).toContain(`LOG_LEVEL=${JSON.stringify(value)}`);
      expect(error.message).toContain("trace, debug, info, warn, error, fatal, silent");
    },
  );
});

describe("parseHostPort", () => {
  it.each([
    ["127.0.0.1:8080", { host: "127.0.0.1", port: 8080 }],
    ["localhost:0", { host: "localhost", port: 0 }],
    ["[::1]:9090", { host: "::1", port: 9090 }],
    ["[::]:65535", { host: "::", port: 65535 }],
    [":80", { host: "", port: 80 }],
  ])("splits %s", (text, address) => {
    expect(parseHostPort(text)).toEqual(address);
  });

  it.each([
    "localhost",
    "50051",
    "::1:80",
    "h:70000",
    "h:",
    "h: 80",
    "a b:80",
    "[::1]",
    "[zz]:80",
    "http://h:80",
  ])("gives undefined for %s", (text) => {
    expect(parseHostPort(text)).toBeUndefined();
  });
});

describe("readListenAddress", () => {
  it("uses the fallback when the variable is unset or blank", () => {
    expect(readListenAddress({}, "X_LISTEN", "127.0.0.1:9090")).toEqual({ host: "127.0.0.1", port: 9090 });
    expect(readListenAddress({ X_LISTEN: " " }, "X_LISTEN", "[::]:1")).toEqual({ host: "::", port: 1 });
  });

  it("reads host:port, [v6]:port and :port (all interfaces), trimmed", () => {
    expect(readListenAddress({ X: " 10.0.0.1:80 " }, "X", "h:1")).toEqual({ host: "10.0.0.1", port: 80 });
    expect(readListenAddress({ X: "[::1]:0" }, "X", "h:1")).toEqual({ host: "::1", port: 0 });
    expect(readListenAddress({ X: ":9091" }, "X", "h:1")).toEqual({ host: "0.0.0.0", port: 9091 });
  });

  it.each(["9091", "localhost", "1.2.3.4:99999", "::1:80"])(
    "rejects X_LISTEN=%s naming the variable and value",
    (value) => {
      const error = configErrorOf(() => readListenAddress({ X_LISTEN: value }, "X_LISTEN", "h:1"));
      expect(error).toMatchObject({ variable: "X_LISTEN", value });
      expect(error.message).toContain(`X_LISTEN=${JSON.stringify(value)} is not host:port`);
    },
  );
});

describe("readListenAddresses", () => {
  it("reads a comma-separated list in order", () => {
    expect(readListenAddresses({ L: "127.0.0.1:0, [::1]:8081,:80" }, "L", "0.0.0.0:8080")).toEqual([
      { host: "127.0.0.1", port: 0 },
      { host: "::1", port: 8081 },
      { host: "0.0.0.0", port: 80 },
    ]);
    expect(readListenAddresses({}, "L", "0.0.0.0:8080")).toEqual([{ host: "0.0.0.0", port: 8080 }]);
  });

  it("names the bad entry beside the variable and its whole value", () => {
    const error = configErrorOf(() => readListenAddresses({ L: "127.0.0.1:0,localhost" }, "L", "h:1"));
    expect(error).toMatchObject({ variable: "L", value: "127.0.0.1:0,localhost" });
    expect(error.message).toContain('has "localhost", not host:port');
  });
});

describe("readInteger", () => {
  it("gives the default when unset or blank, else the trimmed number", () => {
    expect(readInteger({}, "N", { default: 7, min: 1 })).toBe(7);
    expect(readInteger({ N: "" }, "N", { default: 7, min: 1 })).toBe(7);
    expect(readInteger({ N: " 12 " }, "N", { default: 7, min: 1 })).toBe(12);
    expect(readInteger({ N: "0" }, "N", { default: 7, min: 0 })).toBe(0);
    expect(readInteger({ N: "10000" }, "N", { default: 1, min: 0, max: 10_000 })).toBe(10_000);
  });

  it.each([
    ["2s", { min: 1 }, ">= 1"],
    ["1.5", { min: 1 }, ">= 1"],
    ["-1", { min: 0 }, ">= 0"],
    ["0", { min: 1 }, ">= 1"],
    ["1e3", { min: 1 }, ">= 1"],
    ["0x10", { min: 1 }, ">= 1"],
    ["99999999999999999999", { min: 1 }, ">= 1"],
    ["10001", { min: 0, max: 10_000 }, "in 0..10000"],
  ])("rejects N=%s (%j) naming the variable, the value and the bounds", (value, bounds, range) => {
    const error = configErrorOf(() => readInteger({ N: value }, "N", { default: 5, ...bounds }));
    expect(error).toMatchObject({ variable: "N", value });
    expect(error.message).toBe(`N=${JSON.stringify(value)} is not a whole number ${range}`);
  });
});

describe("readList", () => {
  const even = (item: string) => {
    if (!/^\d+$/.test(item) || Number(item) % 2 !== 0) throw new Error(`"${item}" is not even`);
    return Number(item);
  };

  it("parses each trimmed item; unset or blank is empty", () => {
    expect(readList({ X: " 2, 4 ,6" }, "X", even)).toEqual([2, 4, 6]);
    expect(readList({}, "X", even)).toEqual([]);
    expect(readList({ X: "  " }, "X", even)).toEqual([]);
  });

  it("names the variable, the value and the entry's problem", () => {
    const error = configErrorOf(() => readList({ X: "2,3" }, "X", even));
    expect(error).toMatchObject({ variable: "X", value: "2,3" });
    expect(error.message).toBe('X="2,3" has an entry that does not read: "3" is not even');
  });
});

describe("readNatsEnv", () => {
  it("keeps only the NATS_* variables, values as given", () => {
    expect(
      readNatsEnv({ NATS_URL: "nats://a:4222", NATS_TOKEN: " t ", HOME: "/root", XNATS_URL: "x" }),
    ).toEqual({
      NATS_URL: "nats://a:4222",
      NATS_TOKEN: " t ",
    });
  });
});
