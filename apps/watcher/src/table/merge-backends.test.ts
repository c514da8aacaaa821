import type { Backend } from "@signalbox/route-model";
import { describe, expect, it } from "vitest";
import { advanceBackends, sameBackend, winnerOf } from "./merge-backends.js";

const backend = (id: string, extra: Partial<Backend> = {}): Backend => ({
  id,
  service: "svc",
  address: "127.0.0.1:80",
  labels: { a: "1", b: "2" },
  state: "up",
  source: "file",
  connectedAt: 1,
  ...extra,
});

describe("sameBackend", () => {
  it("ignores the order of label and location keys and an absent versus undefined field", () => {
    expect(sameBackend(backend("x"), backend("x", { labels: { b: "2", a: "1" } }))).toBe(true);
    expect(sameBackend(backend("x", { load: undefined }), backend("x"))).toBe(true);
    expect(
      sameBackend(
        backend("x", { location: { cityName: "Oslo", countryCode: "NO" } }),
        backend("x", { location: { countryCode: "NO", cityName: "Oslo" } }),
      ),
    ).toBe(true);
  });

  it("tells every field apart", () => {
    const changes: Partial<Backend>[] = [
      { service: "other" },
      { address: "127.0.0.1:81" },
      { state: "draining" },
      { source: "agent" },
      { connectedAt: 2 },
      { load: 5 },
      { rps: 1 },
      { weight: 3 },
      { labels: { a: "1" } },
      { labels: { a: "1", b: "3" } },
      { labels: { a: "1", b: "2", c: "3" } },
      { location: { cityName: "Oslo" } },
    ];
    for (const change of changes) expect(sameBackend(backend("x"), backend("x", change))).toBe(false);
  });
});

describe("advanceBackends", () => {
  it("takes a sorted list as it is and lists what changed", () => {
    const kept = backend("b");
    const before = [backend("a"), kept, backend("c")];
    const after = [kept, backend("c", { weight: 2 }), backend("d")];
    const advanced = advanceBackends("file", before, after);
    expect(advanced.backends).toBe(after);
    expect(advanced.changed).toEqual(["a", "c", "d"]);
    expect(advanced.warnings).toEqual([]);
  });

  it("sorts an unsorted list and keeps the first of a repeated id with a warning", () => {
    const first = backend("a", { address: "10.0.0.1:1" });
    const advanced = advanceBackends("agent", [], [backend("c"), first, backend("a", { source: "agent" })]);
    expect(advanced.backends.map((b) => b.id)).toEqual(["a", "c"]);
    expect(advanced.backends[0]).toBe(first);
    expect(advanced.changed).toEqual(["a", "c"]);
    expect(advanced.warnings).toEqual(["backend a: from agent ignored, file has this id"]);
  });
});

describe("winnerOf", () => {
  it("gives the id to the first source that has it and warns for each other one", () => {
    const fromFile = backend("x");
    const result = winnerOf("x", [
      { source: "file", backends: [fromFile] },
      { source: "marathon", backends: [] },
      { source: "agent", backends: [backend("w"), backend("x", { source: "agent" })] },
    ]);
    expect(result.backend).toBe(fromFile);
    expect(result.warnings).toEqual(["backend x: from agent ignored, file has this id"]);
    expect(winnerOf("nope", [{ source: "file", backends: [fromFile] }])).toEqual({
      backend: undefined,
      warnings: [],
    });
  });
});
