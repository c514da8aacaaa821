import { ValidationError } from "@signalbox/route-model";
import { describe, expect, it } from "vitest";
import { apiOps, configKeys, parseTtl } from "./api.js";

describe("parseTtl", () => {
  it.each([
    ["90s", 90_000],
    ["30m", 1_800_000],
    ["24h", 86_400_000],
    ["7d", 604_800_000],
    ["2w", 1_209_600_000],
  ])("reads %s as %i ms", (input, ms) => {
    expect(parseTtl(input)).toBe(ms);
  });

  it.each(["", "30", "m", "1.5h", "-1d", "10y", "0m", "4000d"])(
    "rejects %j naming the ttl field",
    (input) => {
      const thrown = (() => {
        try {
          parseTtl(input);
        } catch (error) {
          return error;
        }
      })();
      expect(thrown).toBeInstanceOf(ValidationError);
      expect((thrown as ValidationError).field).toBe("ttl");
      expect((thrown as ValidationError).value).toBe(input);
    },
  );
});

describe("configKeys", () => {
  it("writes a pattern as one KV-safe key token and keeps patterns apart", () => {
    const keys = ["*.example.com/api", "example.com", "example.com/api"].map(configKeys.apiEndpoint);
    for (const key of keys) expect(key).toMatch(/^api\.endpoint\.[A-Za-z0-9_=-]+$/);
    expect(new Set(keys).size).toBe(3);
    expect(configKeys.apiShape("example.com")).not.toBe(configKeys.apiEndpoint("example.com"));
  });
});

describe("apiOps schemas", () => {
  it("accepts a failure reply for every op", () => {
    for (const op of Object.values(apiOps)) {
      const parsed = op.reply.safeParse({ ok: false, error: { code: "invalid", message: "no endpoint x" } });
      expect(parsed.success).toBe(true);
    }
  });

  it("rejects a route.add weight outside 0..10000", () => {
    const parsed = apiOps["route.add"].request.safeParse({ pattern: "a.test", selector: "", weight: 10_001 });
    expect(parsed.success).toBe(false);
  });

  it.each([
    [[{ type: "strip-prefix", prefix: "/api" }], true],
    [[{ type: "teleport" }], false],
  ])("checks each query endpoint filter with parseFilterSpec (%j -> %s)", (filters, valid) => {
    const parsed = apiOps.query.reply.safeParse({
      ok: true,
      version: 1,
      generatedAt: 0,
      warnings: [],
      backends: [],
      endpoints: [{ pattern: "a.test", filters, routes: [] }],
    });
    expect(parsed.success).toBe(valid);
  });
});
