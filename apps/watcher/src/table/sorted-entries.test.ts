import { describe, expect, it } from "vitest";
import { changedKeysIfSorted, findSorted, lowerBound, patchSorted, unionSorted } from "./sorted-entries.js";

interface Item {
  k: string;
  v: number;
}
const item = (k: string, v = 0): Item => ({ k, v });
const keyOf = (x: Item) => x.k;
const sameV = (a: Item, b: Item) => a.v === b.v;

describe("changedKeysIfSorted", () => {
  it("lists added, removed and changed keys in order; the same object or equal content is unchanged", () => {
    const a = item("a");
    const c = item("c");
    const before = [a, item("b"), c, item("d", 1), item("f")];
    const after = [item("0"), a, c, item("d", 2), item("e"), item("f")];
    expect(changedKeysIfSorted(before, after, keyOf, sameV)).toEqual(["0", "b", "d", "e"]);
    expect(changedKeysIfSorted([], after, keyOf, sameV)).toEqual(["0", "a", "c", "d", "e", "f"]);
    expect(changedKeysIfSorted(before, [], keyOf, sameV)).toEqual(["a", "b", "c", "d", "f"]);
    expect(changedKeysIfSorted(before, before, keyOf, () => false)).toEqual([]);
  });

  it("is undefined when the new list is out of order or repeats a key, even among shared objects", () => {
    const [a, b, c] = [item("a"), item("b"), item("c")];
    expect(changedKeysIfSorted([a, b, c], [a, c, b], keyOf, sameV)).toBeUndefined();
    expect(changedKeysIfSorted([a, b, c], [b, a, c], keyOf, sameV)).toBeUndefined();
    expect(changedKeysIfSorted([a, b], [a, item("a"), b], keyOf, sameV)).toBeUndefined();
    expect(changedKeysIfSorted([], [b, a], keyOf, sameV)).toBeUndefined();
  });
});

describe("patchSorted", () => {
  const list = [item("b"), item("d"), item("f")];

  it("replaces, inserts and removes by key, keeping every other object", () => {
    const patched = patchSorted(
      list,
      [
        { key: "a", item: item("a") },
        { key: "d", item: item("d", 9) },
        { key: "e", item: item("e") },
        { key: "f", item: undefined },
        { key: "z", item: undefined },
      ],
      keyOf,
    );
    expect(patched.map((x) => [x.k, x.v])).toEqual([
      ["a", 0],
      ["b", 0],
      ["d", 9],
      ["e", 0],
    ]);
    expect(patched[1]).toBe(list[0]);
    expect(list.map(keyOf)).toEqual(["b", "d", "f"]);
  });

  it("patches many updates as it patches a few", () => {
    const many = Array.from({ length: 200 }, (_, i) => item(`k${String(i).padStart(3, "0")}`));
    const updates = many
      .filter((_, i) => i % 3 === 0)
      .map((x, i) => ({ key: x.k, item: i % 2 === 0 ? undefined : item(x.k, 1) }));
    const patched = patchSorted(many, updates, keyOf);
    const expected = many
      .map((x, i) => (i % 3 !== 0 ? x : (i / 3) % 2 === 0 ? undefined : item(x.k, 1)))
      .filter((x) => x !== undefined);
    expect(patched).toEqual(expected);
    expect(
      patchSorted(
        [],
        many.map((x) => ({ key: x.k, item: x })),
        keyOf,
      ),
    ).toEqual(many);
  });

  it("returns the same array when nothing changes", () => {
    expect(patchSorted(list, [], keyOf)).toBe(list);
  });
});

describe("searching and joining", () => {
  it("finds by key and gives insertion points", () => {
    const list = [item("b"), item("d")];
    expect(findSorted(list, "d", keyOf)).toBe(list[1]);
    expect(findSorted(list, "c", keyOf)).toBeUndefined();
    expect([
      lowerBound(list, "a", keyOf),
      lowerBound(list, "c", keyOf),
      lowerBound(list, "e", keyOf),
    ]).toEqual([0, 1, 2]);
  });

  it("unites sorted lists, each key once", () => {
    expect(unionSorted([["b", "d"], [], ["a", "d", "e"], ["c"]])).toEqual(["a", "b", "c", "d", "e"]);
    expect(unionSorted([])).toEqual([]);
  });
});
