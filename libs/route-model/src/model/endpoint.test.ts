import { describe, expect, it } from "vitest";
import { PatternSyntaxError } from "../errors.js";
import { parseEndpoint } from "./endpoint.js";
import type { Endpoint } from "./types.js";

const route = (id: string, weight: number) => ({ id, selector: "tier=web", weight, strategy: "round-robin" });
const valid: Endpoint = {
  pattern: "*.example.com/api",
  routes: [route("route000", 90), route("route001", 10)],
  filters: [
    { type: "strip-prefix", prefix: "/api" },
    { type: "rate-limit", ratePerSecond: 50, burst: 100 },
  ],
  sticky: true,
  healthRequire: false,
  tls: true,
};

function invalid(field: string, value: unknown) {
  return expect.objectContaining({ code: "SB_INVALID_FIELD", field, value });
}

describe("parseEndpoint", () => {
  it("accepts a valid endpoint and keeps the pattern as written", () => {
    expect(parseEndpoint(valid)).toEqual(valid);
    expect(parseEndpoint({ ...valid, pattern: "API.Example.com/" }).pattern).toBe("API.Example.com/");
  });

  it("accepts an endpoint without routes (it answers 503) and without optional flags", () => {
    expect(parseEndpoint({ pattern: "a.test", routes: [], filters: [] })).toEqual({
      pattern: "a.test",
      routes: [],
      filters: [],
    });
  });

  it.each<[string, unknown, string, unknown]>([
    ["pattern", "exa mple.com", "pattern", "exa mple.com"],
    ["pattern", "a.*.com", "pattern", "a.*.com"],
    ["pattern", undefined, "pattern", undefined],
    ["routes", "route000", "routes", "route000"],
    ["routes", [route("route000", 1), { ...route("route001", 1), weight: 20000 }], "routes[1].weight", 20000],
    ["routes", [route("route000", 1), route("route000", 2)], "routes[1].id", "route000"],
    ["filters", [{ type: "redirect-https" }, { type: "nope" }], "filters[1].type", "nope"],
    ["filters", undefined, "filters", undefined],
    ["sticky", "yes", "sticky", "yes"],
    ["healthRequire", 1, "healthRequire", 1],
    ["tls", "true", "tls", "true"],
  ])("rejects %s %j at %s", (key, value, field, reported) => {
    expect(() => parseEndpoint({ ...valid, [key]: value }, "endpoints[0]")).toThrow(
      invalid(`endpoints[0].${field}`, reported),
    );
  });

  it("keeps the pattern syntax error as the cause", () => {
    expect(() => parseEndpoint({ ...valid, pattern: "a..b" })).toThrow(
      expect.objectContaining({ field: "pattern", cause: expect.any(PatternSyntaxError) }),
    );
  });
});
