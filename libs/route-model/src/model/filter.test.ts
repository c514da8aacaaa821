import { describe, expect, it } from "vitest";
import { parseFilterSpec } from "./filter.js";
import type { FilterSpec } from "./types.js";

describe("parseFilterSpec", () => {
  it.each<FilterSpec>([
    { type: "strip-prefix" },
    { type: "strip-prefix", prefix: "/api" },
    { type: "request-headers", set: { "X-Env": "prod" }, remove: ["cookie"] },
    { type: "response-headers", remove: ["server", "x-powered-by"] },
    { type: "response-headers" },
    { type: "redirect-https" },
    { type: "redirect-https", status: 308 },
    { type: "rate-limit", ratePerSecond: 0.5, burst: 1 },
    { type: "rate-limit", ratePerSecond: 100, burst: 200 },
    { type: "hsts", maxAge: 0 },
    { type: "hsts", maxAge: 86400, includeSubDomains: false },
    { type: "hsts", maxAge: 63072000, includeSubDomains: true, preload: true },
  ])("accepts %j", (spec) => {
    expect(parseFilterSpec(spec)).toEqual(spec);
  });

  it("drops fields its type does not have", () => {
    expect(parseFilterSpec({ type: "redirect-https", prefix: "/x" })).toEqual({ type: "redirect-https" });
  });

  it.each<[unknown, string, unknown]>([
    [{ type: "gzip" }, "type", "gzip"],
    [{}, "type", undefined],
    [{ type: "strip-prefix", prefix: "api" }, "prefix", "api"],
    [{ type: "request-headers", set: { "bad header": "x" } }, "set", "bad header"],
    [{ type: "request-headers", set: { "x-a": "one\r\ntwo" } }, "set.x-a", "one\r\ntwo"],
    [{ type: "response-headers", remove: ["server", 3] }, "remove[1]", 3],
    [{ type: "redirect-https", status: 303 }, "status", 303],
    [{ type: "rate-limit", ratePerSecond: 0, burst: 5 }, "ratePerSecond", 0],
    [{ type: "rate-limit", ratePerSecond: -2, burst: 5 }, "ratePerSecond", -2],
    [{ type: "rate-limit", ratePerSecond: 10, burst: 0 }, "burst", 0],
    [{ type: "rate-limit", ratePerSecond: 10, burst: 1.5 }, "burst", 1.5],
    [{ type: "rate-limit", ratePerSecond: 10 }, "burst", undefined],
    [{ type: "hsts" }, "maxAge", undefined],
    [{ type: "hsts", maxAge: -1 }, "maxAge", -1],
    [{ type: "hsts", maxAge: 1.5 }, "maxAge", 1.5],
    [{ type: "hsts", maxAge: "31536000" }, "maxAge", "31536000"],
    [{ type: "hsts", maxAge: 1e12 }, "maxAge", 1e12],
    [{ type: "hsts", maxAge: 100, includeSubDomains: "yes" }, "includeSubDomains", "yes"],
    [{ type: "hsts", maxAge: 31536000, preload: true }, "preload", true],
    [{ type: "hsts", maxAge: 86400, includeSubDomains: true, preload: true }, "preload", true],
  ])("rejects %j at %s", (spec, field, value) => {
    expect(() => parseFilterSpec(spec, "filters[2]")).toThrow(
      expect.objectContaining({ code: "SB_INVALID_FIELD", field: `filters[2].${field}`, value }),
    );
  });
});
