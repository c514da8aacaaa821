import { describe, expect, it } from "vitest";
import { type SniEntry, SniIndex } from "./sni-index.js";

const entry = (id: string, names: string[], notAfter = 1000): SniEntry<string> => ({
  id,
  names,
  notAfter,
  value: `ctx-${id}`,
});

describe("SniIndex", () => {
  const index = new SniIndex(
    [
      entry("shop", ["shop.example.com"]),
      entry("wild", ["*.example.com"]),
      entry("deep", ["*.api.example.com"]),
    ],
    entry("fallback", ["fallback.local"]),
  );

  it("picks the exact name first", () => {
    expect(index.pick("shop.example.com")).toEqual({ id: "shop", value: "ctx-shop", match: "exact" });
    expect(index.pick("SHOP.Example.com.")).toMatchObject({ id: "shop", match: "exact" });
  });

  it("then the longest wildcard that covers the name", () => {
    expect(index.pick("www.example.com")).toEqual({ id: "wild", value: "ctx-wild", match: "wildcard" });
    expect(index.pick("v1.api.example.com")).toMatchObject({ id: "deep", match: "wildcard" });
  });

  it("then the default: for an uncovered name, a name two labels under a wildcard, or no server name", () => {
    expect(index.pick("other.test")).toMatchObject({ id: "fallback", match: "default" });
    expect(index.pick("a.b.example.com")).toMatchObject({ id: "fallback", match: "default" });
    expect(index.pick("example.com")).toMatchObject({ id: "fallback", match: "default" });
    expect(index.pick(undefined)).toMatchObject({ id: "fallback", match: "default" });
    expect(index.pick("")).toMatchObject({ id: "fallback", match: "default" });
  });

  it("has no answer without a default for an uncovered name", () => {
    expect(new SniIndex([entry("shop", ["shop.example.com"])], undefined).pick("x.test")).toBeUndefined();
  });

  it("prefers the certificate that expires later when two name the same host", () => {
    const renewed = new SniIndex([entry("old", ["a.test"], 1000), entry("new", ["a.test"], 2000)], undefined);
    expect(renewed.pick("a.test")?.id).toBe("new");
    const reversed = new SniIndex(
      [entry("new", ["a.test"], 2000), entry("old", ["a.test"], 1000)],
      undefined,
    );
    expect(reversed.pick("a.test")?.id).toBe("new");
  });
});
