// The command line without a watcher: help, version, and every bad input exiting 2 before
// any NATS connection (connecting fails the test: it would exit 1, not 2).
import { describe, expect, it } from "vitest";
import { type CliIo, runCli, VERSION } from "../src/index.js";

async function run(...argv: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    env: {},
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    connect: () => {
      throw new Error("the CLI tried to reach NATS");
    },
  };
  const outcome = await runCli(argv, io);
  if (!("exitCode" in outcome)) throw new Error("a service started");
  return { exitCode: outcome.exitCode, stdout, stderr };
}

describe("help and version", () => {
  it("prints the help with every command when run without arguments", async () => {
    const { exitCode, stdout } = await run();
    expect(exitCode).toBe(0);
    for (const command of [
      "query",
      "route",
      "shape",
      "token",
      "router",
      "watcher",
      "health",
      "agent",
      "nats-config",
    ]) {
      expect(stdout).toMatch(new RegExp(`\\n\\s+${command}\\b`));
    }
  });

  it("prints the package version", async () => {
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
    expect(await run("--version")).toMatchObject({ exitCode: 0, stdout: `${VERSION}\n` });
  });

  it.each([
    [["route", "add", "--help"], /--weight <n>/],
    [["shape", "--help"], /routeId=weight/],
    [["token", "create", "--help"], /--ttl <duration>/],
    [["token", "create", "--help"], /--any-service/],
    [["query", "--help"], /--json/],
    [["nats-config", "--help"], /--rotate <role>/],
  ])("has --help on %j", async (argv, text) => {
    const { exitCode, stdout } = await run(...argv);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(text);
  });
});

describe("bad usage exits 2 and says what to change, without contacting NATS", () => {
  it.each([
    [["route", "add", "bad host!", "app=web"], /pattern "bad host!" at position/],
    [["query", "bad host!"], /pattern "bad host!" at position/],
    [["route", "add", "api.test", "app in ("], /selector "app in \(" at position/],
    [
      ["route", "add", "api.test", "app=web", "--weight", "10001"],
      /--weight: weight "10001" is not a whole number 0..10000/,
    ],
    [["route", "add", "api.test", "app=web", "--weight", "-1"], /weight "-1"/],
    [["route", "add", "api.test", "app=web", "--strategy", "fastest"], /--strategy "fastest" is not one of/],
    [["route", "add", "api.test", "app=web", "--filters", "{"], /--filters is not JSON/],
    [["route", "add", "api.test", "app=web", "--filters", '[{"type":"teleport"}]'], /--filters\[0\]/],
    [["route", "remove", "api.test", "first"], /route id "first" is not like route000/],
    [["shape", "api.test", "route000"], /"route000" is not <routeId>=<weight>/],
    [["shape", "api.test", "route000=90", "route000=10"], /route000 is given twice/],
    [["shape", "api.test", "route000=abc"], /route000: weight "abc"/],
    [["shape", "api.test", "route000=1.5"], /route000: weight "1.5"/],
    [
      ["token", "create", "--any-service", "--ttl", "forever"],
      /--ttl: ttl "forever" is not a duration like 30m, 24h or 7d/,
    ],
    [["token", "create"], /--service is required: a token is for one service/],
    [
      ["token", "create", "--service", "web", "--any-service"],
      /--service and --any-service exclude each other/,
    ],
    [["token", "create", "--service", " "], /--service must not be empty/],
    [["token", "revoke", "abc"], /"abc" is not a token id/],
  ])("%j", async (argv, message) => {
    const { exitCode, stderr } = await run(...argv);
    expect(stderr).toMatch(message);
    expect(exitCode).toBe(2);
  });

  it.each([
    [["route", "add", "api.test"], /missing required argument 'selector'/],
    [["shape", "api.test"], /missing required argument 'weights'/],
    [["frobnicate"], /unknown command 'frobnicate'/],
    [["query", "--colour"], /unknown option '--colour'/],
    [["route", "remove", "a.test", "route000", "extra"], /too many arguments/],
  ])("commander's own checks: %j", async (argv, message) => {
    const { exitCode, stderr } = await run(...argv);
    expect(stderr).toMatch(message);
    expect(exitCode).toBe(2);
  });
});

describe("services", () => {
  it.each(["router", "watcher", "health", "agent"])(
    "%s --help prints the variables it reads",
    async (name) => {
      const { exitCode, stdout } = await run(name, "--help");
      expect(exitCode).toBe(0);
      expect(stdout).toContain(`usage: signalbox ${name}`);
      expect(stdout).toContain("NATS_URL");
    },
  );

  it("exits 2 naming the variable when the environment is wrong", async () => {
    const { exitCode, stderr } = await run("agent");
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/AGENT_BACKEND.*is required.*signalbox agent --help/);
  });
});
