import { describe, expect, it } from "vitest";
import { ConfigError } from "./errors.js";
import { redactUrlCredentials } from "./redact.js";

describe("redactUrlCredentials", () => {
  it.each([
    ["nats://alice:s3cret@n1:4222", "nats://***@n1:4222"],
    ["nats://tok3n@n1:4222, tls://bob:pw@n2:4222", "nats://***@n1:4222, tls://***@n2:4222"],
    ["http://user:p%40ss@m1:8080/marathon", "http://***@m1:8080/marathon"],
    [
      'MARATHON_URL="http://u:pw@m1,ftp://x" "ftp://x" is not http(s)',
      'MARATHON_URL="http://***@m1,ftp://x" "ftp://x" is not http(s)',
    ],
    ["nats://n1:4222", "nats://n1:4222"],
    ["http://m1:8080/v2/apps?embed=a@b", "http://m1:8080/v2/apps?embed=a@b"],
    ["no url here: a@b", "no url here: a@b"],
  ])("%s -> %s", (text, redacted) => {
    expect(redactUrlCredentials(text)).toBe(redacted);
  });

  it("keeps the secret out of ConfigError's message and value", () => {
    const error = new ConfigError("NATS_URL", "nats://alice:s3cret@n1:4222,http://x", 'has "http://x"');
    expect(error.message).not.toContain("s3cret");
    expect(error.value).toBe("nats://***@n1:4222,http://x");
  });
});
