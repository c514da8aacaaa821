import { describe, expect, it } from "vitest";
import { PatternSyntaxError } from "../errors.js";
import { hostFromHeader, normalizePattern, type ParsedPattern, parsePattern } from "./parse.js";

describe("parsePattern", () => {
  it.each<[string, ParsedPattern]>([
    ["example.com", { host: "example.com", wildcard: false, pathPrefix: "/" }],
    ["API.Test/", { host: "api.test", wildcard: false, pathPrefix: "/" }],
    ["www.example.com/blog", { host: "www.example.com", wildcard: false, pathPrefix: "/blog" }],
    ["www.example.com/blog/", { host: "www.example.com", wildcard: false, pathPrefix: "/blog" }],
    ["*.example.com/api/v1", { host: "example.com", wildcard: true, pathPrefix: "/api/v1" }],
    ["*.Example.COM", { host: "example.com", wildcard: true, pathPrefix: "/" }],
    ["localhost", { host: "localhost", wildcard: false, pathPrefix: "/" }],
    ["10.0.0.1/x", { host: "10.0.0.1", wildcard: false, pathPrefix: "/x" }],
    ["[::1]", { host: "[::1]", wildcard: false, pathPrefix: "/" }],
    ["[2001:DB8::1]/api", { host: "[2001:db8::1]", wildcard: false, pathPrefix: "/api" }],
    [
      "xn--bcher-kva.example/Caf%C3%A9",
      { host: "xn--bcher-kva.example", wildcard: false, pathPrefix: "/Caf%C3%A9" },
    ],
    [`${"a".repeat(63)}.com`, { host: `${"a".repeat(63)}.com`, wildcard: false, pathPrefix: "/" }],
  ])("parses %j", (pattern, expected) => {
    expect(parsePattern(pattern)).toEqual(expected);
  });

  it.each<[string, number, string]>([
    ["", 0, "expected a host, found the end of the pattern"],
    ["/blog", 0, "expected a host"],
    ["*.", 2, "expected a host"],
    ["*", 0, "'*' is allowed only as a leading '*.'"],
    ["*example.com", 0, "'*' is allowed only as a leading '*.'"],
    ["a.*.example.com", 2, "'*' is allowed only as a leading '*.'"],
    ["*.*.example.com", 2, "'*' is allowed only as a leading '*.'"],
    ["example..com", 8, "expected a host label"],
    [".example.com", 0, "expected a host label"],
    ["example.com.", 12, "expected a host label"],
    ["example.com:8080", 11, "expected a letter, digit, '-', '.' or '/', found \":\""],
    ["exa_mple.com", 3, 'found "_"'],
    ["-a.com", 0, "cannot start with '-'"],
    ["a-.com", 1, "cannot end with '-'"],
    [`${"a".repeat(64)}.com`, 0, "at most 63 characters"],
    ["a.com/x y", 7, "expected a path character"],
    ["a.com/x?y=1", 7, "expected a path character"],
    ["a.com/x#y", 7, "expected a path character"],
    ["a.com//x", 6, "empty segment"],
    ["a.com/x//", 8, "empty segment"],
    ["a.com//", 6, "empty segment"],
    ["*.[::1]", 2, "cannot be an IPv6 literal"],
    ["[::1", 4, "expected ']'"],
    ["[::1]:80", 5, "expected '/'"],
    ["[::g]", 3, "expected a hex digit"],
    ["[1.2.3.4]", 1, "expected an IPv6 address"],
  ])("rejects %j at position %i", (pattern, position, message) => {
    let error: unknown;
    try {
      parsePattern(pattern);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PatternSyntaxError);
    expect(error).toMatchObject({ code: "SB_PATTERN_SYNTAX", input: pattern, position });
    expect((error as Error).message).toContain(message);
  });
});

describe("normalizePattern", () => {
  it.each<[string, string]>([
    ["API.test/", "api.test"],
    ["api.test", "api.test"],
    ["*.X.com/api/", "*.x.com/api"],
    ["www.example.com/Blog", "www.example.com/Blog"],
    ["[::1]/", "[::1]"],
  ])("normalises %j to %j", (pattern, expected) => {
    expect(normalizePattern(pattern)).toBe(expected);
    expect(normalizePattern(expected)).toBe(expected);
  });
});

describe("hostFromHeader", () => {
  it.each<[string | undefined, string]>([
    [undefined, ""],
    ["", ""],
    ["example.com", "example.com"],
    ["Example.COM:8080", "example.com"],
    ["example.com.", "example.com"],
    ["example.com.:443", "example.com"],
    ["[::1]:80", "[::1]"],
    ["[2001:DB8::1]", "[2001:db8::1]"],
    ["10.0.0.1:80", "10.0.0.1"],
    ["::1", "::1"],
  ])("reads %j as %j", (header, expected) => {
    expect(hostFromHeader(header)).toBe(expected);
  });
});
