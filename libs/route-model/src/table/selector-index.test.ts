import { describe, expect, it } from "vitest";
import { parseSelector, type Selector } from "../selector/parse.js";
import { createSelectorIndex } from "./selector-index.js";

const first = (selector: Selector) =>
  selector.find((r) => r.op === "=" || r.op === "in" || r.op === "exists");

describe("createSelectorIndex", () => {
  const texts = ["app=a", "app in (b,c),tier=web", "canary", "", "!canary", "tier!=web", "app=z,zone=1"];
  const index = createSelectorIndex(texts.map((text) => [text, { narrowest: first(parseSelector(text)) }]));

  it.each<[Record<string, string>, string[]]>([
    [{ app: "a" }, ["app=a", "", "!canary", "tier!=web"]],
    [{ app: "c", tier: "web" }, ["app in (b,c),tier=web", "", "!canary", "tier!=web"]],
    [{ canary: "true" }, ["canary", "", "!canary", "tier!=web"]],
    [{ zone: "1" }, ["", "!canary", "tier!=web"]],
  ])(
    "gives the selectors a backend labelled %o may match, and those with nothing to narrow by",
    (labels, expected) => {
      expect([...index.candidates(labels)].sort()).toEqual([...expected].sort());
    },
  );

  it("takes more selectors after it was built", () => {
    const grown = createSelectorIndex([["app=a", { narrowest: first(parseSelector("app=a")) }]]);
    grown.add("zone=1", first(parseSelector("zone=1")));
    expect([...grown.candidates({ app: "a", zone: "1" })].sort()).toEqual(["app=a", "zone=1"]);
  });
});
