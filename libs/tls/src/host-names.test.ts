import { describe, expect, it } from "vitest";
import {
  nameCovers,
  namesCover,
  namesCoverPattern,
  normaliseHostName,
  patternHost,
  wildcardFor,
} from "./host-names.js";

describe("host names", () => {
  it("normalises case and a trailing dot", () => {
    expect(normaliseHostName("Shop.Example.COM.")).toBe("shop.example.com");
  });

  it("derives the one wildcard that can cover a name", () => {
    expect(wildcardFor("a.example.com")).toBe("*.example.com");
    expect(wildcardFor("localhost")).toBeUndefined();
    expect(wildcardFor(".example")).toBeUndefined();
  });

  it("covers exact names and one label under a wildcard, never the bare domain or two labels", () => {
    expect(nameCovers("shop.example.com", "SHOP.example.com")).toBe(true);
    expect(nameCovers("*.example.com", "a.example.com")).toBe(true);
    expect(nameCovers("*.example.com", "example.com")).toBe(false);
    expect(nameCovers("*.example.com", "a.b.example.com")).toBe(false);
    expect(nameCovers("shop.example.com", "www.example.com")).toBe(false);
    expect(namesCover(["x.test", "*.example.com"], "api.example.com")).toBe(true);
    expect(namesCover([], "api.example.com")).toBe(false);
  });
});

describe("endpoint patterns", () => {
  it("are covered by their host: exact, one label under a wildcard, or the same wildcard", () => {
    expect(patternHost("shop.example.com/blog")).toBe("shop.example.com");
    expect(namesCoverPattern(["*.example.com"], "shop.example.com/blog")).toBe(true);
    expect(namesCoverPattern(["*.example.com"], "*.example.com/api")).toBe(true);
    expect(namesCoverPattern(["a.example.com"], "*.example.com")).toBe(false);
  });
});
