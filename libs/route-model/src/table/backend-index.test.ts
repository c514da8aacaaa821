import { describe, expect, it } from "vitest";
import type { Backend } from "../model/types.js";
import { matchesSelector } from "../selector/match.js";
import { parseSelector } from "../selector/parse.js";
import { createBackendIndex } from "./backend-index.js";

/** Backends whose label reads are recorded, to prove which backends a select looked at. */
function countingBackends(count: number, touched: Set<string>): Backend[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `b${String(i).padStart(4, "0")}`;
    const labels: Record<string, string> = { app: `app${i % 100}`, tier: i % 2 === 0 ? "web" : "api" };
    if (i % 10 === 0) labels.canary = "true";
    const watched = new Proxy(labels, {
      get(target, key, receiver) {
        touched.add(id);
        return Reflect.get(target, key, receiver);
      },
      getOwnPropertyDescriptor(target, key) {
        touched.add(id);
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
    });
    return {
      id,
      service: "s",
      address: "10.0.0.1:80",
      labels: watched,
      state: "up",
      source: "agent",
      connectedAt: 0,
    };
  });
}

describe("createBackendIndex", () => {
  const touched = new Set<string>();
  const backends = countingBackends(1000, touched);
  const index = createBackendIndex(backends);
  const select = (text: string) => {
    touched.clear();
    return index.select(parseSelector(text));
  };

  it.each([
    "app=app7",
    "app=app7,tier=api",
    "tier=web,app in (app2,app4,app2)",
    "canary,tier=web",
    "app notin (app1),canary",
    "!canary,app=app30",
    "tier!=web,app=app3",
    "",
    "tier!=web",
    "missing=x",
    "app in (nope)",
  ])("selects exactly what matchesSelector would for %j, in index order", (text) => {
    const expected = backends.filter((b) => matchesSelector(parseSelector(text), b.labels));
    expect(select(text).map((b) => b.id)).toEqual(expected.map((b) => b.id));
  });

  it("reads only the backends of the smallest posting list", () => {
    expect(select("tier=web,app=app7")).toHaveLength(0); // app7 backends are all odd: tier=api
    expect(touched.size).toBe(10); // the 10 backends labelled app=app7, not the 500 with tier=web
    expect(select("canary,app in (app10,app20)")).toHaveLength(20);
    expect(touched.size).toBe(20);
  });

  it("scans every backend when no requirement narrows", () => {
    expect(select("!canary")).toHaveLength(900);
    expect(touched.size).toBe(1000);
  });

  it.each<[string, string | undefined]>([
    ["tier=web,app=app7", "app"],
    ["canary,tier=web", "canary"],
    ["app in (app1,app2),tier=api", "app"],
    ["!canary,tier!=web", undefined],
  ])("names the narrowest requirement of %j", (text, key) => {
    expect(index.narrowest(parseSelector(text))?.key).toBe(key);
  });
});
