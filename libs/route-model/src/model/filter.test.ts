import { describe, expect, it } from "vitest";
import { checkFilterHeaders, parseFilterSpec } from "./filter.js";
import type { FilterSpec } from "./types.js";

describe("parseFilterSpec", () => {
  it.each<FilterSpec>([
    { type: "strip-prefix" },
    { type: "strip-prefix", prefix: "/api" },
    { type: "request-headers", set: { "X-Env": "prod" }, remove: ["cookie"] },
    { type: "request-headers", set: { "x-note": "a\tb c", "x-empty": "", "x-latin": "caf\u00e9" } },
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

describe("checkFilterHeaders", () => {
  it.each<FilterSpec>([
    {
      type: "request-headers",
      set: { "X-Env": "prod", "x-note": "a\tb c", "x-empty": "", "x-latin": "caf\u00e9" },
    },
    { type: "response-headers", remove: ["server"] },
    { type: "rate-limit", ratePerSecond: 1, burst: 1 },
  ])("accepts %j", (spec) => {
    expect(() => checkFilterHeaders(spec, "filters[0]")).not.toThrow();
  });

  it.each<[FilterSpec, string, unknown]>([
    [{ type: "request-headers", set: { "x-a": "bell\x07" } }, "set.x-a", "bell\x07"],
    [{ type: "request-headers", set: { "x-a": "euro \u20ac" } }, "set.x-a", "euro \u20ac"],
    [{ type: "request-headers", set: { "x-a": " padded" } }, "set.x-a", " padded"],
    [{ type: "request-headers", set: { Connection: "close" } }, "set", "Connection"],
    [{ type: "request-headers", set: { "content-length": "5" } }, "set", "content-length"],
    [{ type: "response-headers", remove: ["server", "Transfer-Encoding"] }, "remove[1]", "Transfer-Encoding"],
    [{ type: "response-headers", remove: ["Upgrade"] }, "remove[0]", "Upgrade"],
  ])("refuses %j at %s", (spec, field, value) => {
    expect(() => checkFilterHeaders(spec, "filters[2]")).toThrow(
      expect.objectContaining({ code: "SB_INVALID_FIELD", field: `filters[2].${field}`, value }),
    );
  });

  it("lets parseFilterSpec read such a filter, so a stored table with one still loads", () => {
    expect(parseFilterSpec({ type: "request-headers", set: { Connection: "close" } })).toEqual({
      type: "request-headers",
      set: { Connection: "close" },
    });
  });
});
