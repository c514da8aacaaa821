import { describe, expect, it } from "vitest";
import { matchesSelector } from "./match.js";
import { parseSelector } from "./parse.js";

const web = { tier: "web", zone: "eu", "marathon.app": "/shop/web" };

describe("matchesSelector", () => {
  it.each<[string, Record<string, string>, boolean]>([
    ["", {}, true],
    ["", web, true],
    ["tier=web", web, true],
    ["tier==web", web, true],
    ["tier=api", web, false],
    ["tier=web", {}, false],
    ["tier!=api", web, true],
    ["tier!=web", web, false],
    ["tier!=web", {}, true], // absent label: Kubernetes semantics
    ["tier in (api,web)", web, true],
    ["tier in (api,db)", web, false],
    ["tier in (api,web)", {}, false],
    ["tier notin (api,db)", web, true],
    ["tier notin (api,web)", web, false],
    ["tier notin (api,web)", {}, true], // absent label: Kubernetes semantics
    ["tier", web, true],
    ["canary", web, false],
    ["!canary", web, true],
    ["!tier", web, false],
    ["k=", { k: "" }, true],
    ["k", { k: "" }, true],
    ["marathon.app=/shop/web", web, true],
    ["tier=web,zone=eu", web, true],
    ["tier=web,zone=us", web, false],
    ["tier in (web),!canary,zone notin (us)", web, true],
    ["constructor", {}, false],
    ["!toString", {}, true],
  ])("%j on %j is %s", (text, labels, expected) => {
    expect(matchesSelector(parseSelector(text), labels)).toBe(expected);
  });
});
