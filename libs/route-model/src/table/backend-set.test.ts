import { describe, expect, it } from "vitest";
import type { Backend } from "../model/types.js";
import { parseSelector } from "../selector/parse.js";
import { BackendSet, mergeById } from "./backend-set.js";

function backend(id: string, app: string): Backend {
  return {
    id,
    service: "s",
    address: "10.0.0.1:80",
    labels: { app },
    state: "up",
    source: "agent",
    connectedAt: 0,
  };
}

const ids = (backends: Iterable<Backend>) => [...backends].map((b) => b.id);

describe("BackendSet", () => {
  const set = BackendSet.of([backend("c", "x"), backend("a", "x"), backend("b", "y")]);

  it("maps ids to backends and iterates in id order", () => {
    expect(set.size).toBe(3);
    expect(set.get("b")?.labels.app).toBe("y");
    expect(set.has("z")).toBe(false);
    expect([...set.keys()]).toEqual(["a", "b", "c"]);
    expect(ids(set.values())).toEqual(["a", "b", "c"]);
    const seen: string[] = [];
    set.forEach((b, id) => {
      seen.push(`${id}=${b.labels.app}`);
    });
    expect(seen).toEqual(["a=x", "b=y", "c=x"]);
  });

  it("applies changes without touching the set it came from: updates keep their place, additions come last", () => {
    const next = set.withChanges(
      new Map([
        ["b", backend("b", "x")],
        ["a", undefined],
        ["d", backend("d", "x")],
      ]),
    );
    expect([...next.entries()].map(([id, b]) => `${id}=${b.labels.app}`)).toEqual(["b=x", "c=x", "d=x"]);
    expect(next.size).toBe(3);
    expect(next.get("a")).toBeUndefined();
    expect(ids(set.values())).toEqual(["a", "b", "c"]);
    expect(set.get("b")?.labels.app).toBe("y");
  });

  it("selects from the base and the changes together, sorted by id", () => {
    const next = set.withChanges(new Map([["aa", backend("aa", "x")]])).withChanges(
      new Map([
        ["c", undefined],
        ["b", backend("b", "x")],
      ]),
    );
    expect(ids(next.select(parseSelector("app=x")))).toEqual(["a", "aa", "b"]);
    expect(ids(next.select(parseSelector("")))).toEqual(["a", "aa", "b"]);
    expect(ids(set.select(parseSelector("app=x")))).toEqual(["a", "c"]);
  });

  it("forgets a backend added and removed again, and counts it once when re-added", () => {
    const added = set.withChanges(new Map([["d", backend("d", "x")]]));
    const removed = added.withChanges(new Map([["d", undefined]]));
    expect(removed.size).toBe(3);
    expect([...removed.keys()]).toEqual(["a", "b", "c"]);
    expect(removed.withChanges(new Map([["d", backend("d", "y")]])).size).toBe(4);
  });

  it("stays exact across a rebuild of its base after many changes", () => {
    let current = BackendSet.of(
      Array.from({ length: 50 }, (_, n) => backend(`n${String(n).padStart(4, "0")}`, "x")),
    );
    for (let n = 50; n < 1_250; n++) {
      const id = `n${String(n).padStart(4, "0")}`;
      current = current.withChanges(new Map([[id, backend(id, n % 2 === 0 ? "x" : "y")]]));
    }
    expect(current.size).toBe(1_250);
    const selected = ids(current.select(parseSelector("app=y")));
    expect(selected).toHaveLength(600);
    expect(selected).toEqual([...selected].sort());
    expect(current.get("n1249")?.labels.app).toBe("y");
  });
});

describe("mergeById", () => {
  it("merges two id-sorted lists", () => {
    const [a, b, c, d] = ["a", "b", "c", "d"].map((id) => backend(id, "x")) as [
      Backend,
      Backend,
      Backend,
      Backend,
    ];
    expect(ids(mergeById([a, c], [b, d]))).toEqual(["a", "b", "c", "d"]);
    expect(ids(mergeById([], [b]))).toEqual(["b"]);
    expect(ids(mergeById([a], []))).toEqual(["a"]);
  });
});
