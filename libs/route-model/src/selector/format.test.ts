import { describe, expect, it } from "vitest";
import { formatSelector } from "./format.js";
import { parseSelector } from "./parse.js";

describe("formatSelector", () => {
  it.each<[string, string]>([
    ["", ""],
    ["tier==web", "tier=web"],
    [" tier = web , !canary ", "!canary,tier=web"],
    ["zone=eu,tier in (web, api, web),canary", "canary,tier in (api,web),zone=eu"],
    ["b notin (y,x),a!=v,a,a=v", "a,a=v,a!=v,b notin (x,y)"],
    ["k=v,k==v", "k=v"],
    ["k=", "k="],
    ["app=/shop/web,v=1.2:3", "app=/shop/web,v=1.2:3"],
  ])("formats %j as %j", (text, expected) => {
    expect(formatSelector(parseSelector(text))).toBe(expected);
  });

  it.each(["zone=eu,tier in (web,api),!canary", "a notin (c,b),a=x,b"])(
    "gives the same text for the same requirements in any order (%j)",
    (text) => {
      const canonical = formatSelector(parseSelector(text));
      const reversed = formatSelector(parseSelector(text).toReversed());
      expect(reversed).toBe(canonical);
      expect(formatSelector(parseSelector(canonical))).toBe(canonical);
    },
  );
});
