import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_NATS_URL, hasNatsCredentials, natsOptionsFromEnv } from "./connect.js";
import { ConfigError } from "./errors.js";

const dir = mkdtempSync(join(tmpdir(), "signalbox-creds-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A throwaway user seed (never used against a real account) and a stand-in JWT.
const CREDS = `-----BEGIN NATS USER JWT-----
eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2lnbmF0dXJl
------END NATS USER JWT------

-----BEGIN USER NKEY SEED-----
SUAI57I6XIJCZQ7MLYCSTNPF7GDTU7G62QFU7V5XCGKBRBWZOUIKCFGRHM
------END USER NKEY SEED------
`;

function expectConfigError(env: Record<string, string>, variable: string, message: RegExp) {
  try {
    natsOptionsFromEnv(env);
    expect.unreachable();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).code).toBe("SB_CONFIG");
    expect((error as Error).message).toMatch(message);
  }
}

describe("natsOptionsFromEnv", () => {
  it("defaults to the local server without auth", () => {
    expect(natsOptionsFromEnv({})).toEqual({ servers: [DEFAULT_NATS_URL] });
    expect(natsOptionsFromEnv({ NATS_URL: " " })).toEqual({ servers: [DEFAULT_NATS_URL] });
  });

  it("splits a comma-separated NATS_URL and accepts host:port", () => {
    expect(natsOptionsFromEnv({ NATS_URL: "nats://a:4222, b:4223 ,tls://c:4224" }).servers).toEqual([
      "nats://a:4222",
      "b:4223",
      "tls://c:4224",
    ]);
  });

  it.each([
    ["http://a:4222", /NATS_URL="http:\/\/a:4222" has "http:\/\/a:4222": expected nats:\/\/host:port/],
    ["nats://a:99999", /not a URL/],
    [",", /names no server/],
  ])("rejects NATS_URL=%s", (url, message) => {
    expectConfigError({ NATS_URL: url }, "NATS_URL", message);
  });

  it("passes user and password", () => {
    expect(natsOptionsFromEnv({ NATS_USER: "sb", NATS_PASSWORD: "pw" })).toMatchObject({
      user: "sb",
      pass: "pw",
    });
  });

  it("takes replies on the user's own inbox prefix, escaped to one token", () => {
    expect(natsOptionsFromEnv({ NATS_USER: "router", NATS_PASSWORD: "pw" }).inboxPrefix).toBe(
      "_INBOX_router",
    );
    expect(natsOptionsFromEnv({ NATS_USER: "a.b", NATS_PASSWORD: "pw" }).inboxPrefix).toBe("_INBOX_a%2Eb");
    expect(natsOptionsFromEnv({ NATS_TOKEN: "t0k" }).inboxPrefix).toBeUndefined();
  });

  it("tells whether any credentials are given", () => {
    expect(hasNatsCredentials(natsOptionsFromEnv({}))).toBe(false);
    expect(hasNatsCredentials(natsOptionsFromEnv({ NATS_USER: "sb", NATS_PASSWORD: "pw" }))).toBe(true);
    expect(hasNatsCredentials(natsOptionsFromEnv({ NATS_TOKEN: "t0k" }))).toBe(true);
  });

  it("passes a token", () => {
    expect(natsOptionsFromEnv({ NATS_TOKEN: "t0k" })).toMatchObject({ token: "t0k" });
  });

  it.each([
    [{ NATS_USER: "sb" }, "NATS_PASSWORD", /is required when NATS_USER is set/],
    [{ NATS_PASSWORD: "pw" }, "NATS_USER", /is required when NATS_PASSWORD is set/],
    [{ NATS_USER: "sb", NATS_PASSWORD: "pw", NATS_TOKEN: "t" }, "NATS_TOKEN", /cannot be combined/],
  ])("rejects the half-given or conflicting auth %j", (env, variable, message) => {
    expectConfigError(env, variable, message);
  });

  it("reads a creds file into an authenticator that signs the server's nonce", () => {
    const path = join(dir, "user.creds");
    writeFileSync(path, CREDS);
    const options = natsOptionsFromEnv({ NATS_CREDS: path });
    const authenticator = options.authenticator;
    if (typeof authenticator !== "function") throw new Error("expected one authenticator");
    const auth = authenticator("nonce") as { jwt?: string; sig?: unknown };
    expect(auth.jwt).toBe("eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2lnbmF0dXJl");
    expect(typeof auth.sig).toBe("string");
  });

  it("names NATS_CREDS when the file is missing or is not a creds file", () => {
    expectConfigError({ NATS_CREDS: join(dir, "missing.creds") }, "NATS_CREDS", /cannot be read: ENOENT/);
    const path = join(dir, "garbage.creds");
    writeFileSync(path, "not creds");
    expectConfigError({ NATS_CREDS: path }, "NATS_CREDS", /is not a NATS creds file/);
    expectConfigError({ NATS_CREDS: path, NATS_TOKEN: "t" }, "NATS_CREDS", /cannot be combined/);
  });
});
