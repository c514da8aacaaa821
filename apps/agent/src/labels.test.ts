import { describe, expect, it } from "vitest";
import { parseLabels } from "./labels.js";

describe("parseLabels", () => {
  it.each([
    ["", {}],
    ["tier=web,release=v1", { tier: "web", release: "v1" }],
    ["tier:web release:v1", { tier: "web", release: "v1" }],
    [" tier=web ,  release:v1 ", { tier: "web", release: "v1" }],
    ["url=http://x:1/a", { url: "http://x:1/a" }],
    ["empty=", { empty: "" }],
  ])("parses %j", (text, labels) => {
    expect(parseLabels(text)).toEqual({ ok: true, value: labels });
  });

  it.each([
    ["tier", /"tier" without "="/],
    ["=web", /empty key/],
    ["a=1,a=2", /repeats the key "a"/],
  ])("rejects %j naming the item", (text, reason) => {
    const result = parseLabels(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});
