import { describe, expect, it } from "vitest";
import { createSmoothWeightedPicker } from "./smooth-weighted.js";

function picks<T>(
  picker: { pick(isEligible?: (item: T) => boolean): T | undefined },
  n: number,
  isEligible?: (item: T) => boolean,
) {
  return Array.from({ length: n }, () => picker.pick(isEligible));
}

describe("createSmoothWeightedPicker", () => {
  it("gives nginx's sequence a a b a c a a for weights 5/1/1, again and again", () => {
    const picker = createSmoothWeightedPicker([
      { item: "a", weight: 5 },
      { item: "b", weight: 1 },
      { item: "c", weight: 1 },
    ]);
    const once = ["a", "a", "b", "a", "c", "a", "a"];
    expect(picks(picker, 21)).toEqual([...once, ...once, ...once]);
  });

  it("gives exactly 9:1 in every window of 10 consecutive picks for 90/10", () => {
    const picker = createSmoothWeightedPicker([
      { item: "stable", weight: 90 },
      { item: "canary", weight: 10 },
    ]);
    const sequence = picks(picker, 1000);
    expect(sequence.slice(0, 10)).toEqual([...Array(5).fill("stable"), "canary", ...Array(4).fill("stable")]);
    for (let start = 0; start + 10 <= sequence.length; start++) {
      const window = sequence.slice(start, start + 10);
      expect(
        window.filter((item) => item === "canary"),
        `window at ${start}`,
      ).toHaveLength(1);
    }
  });

  it("never picks weight 0 and returns undefined when nothing has weight", () => {
    const picker = createSmoothWeightedPicker([
      { item: "off", weight: 0 },
      { item: "on", weight: 3 },
      { item: "negative", weight: -1 },
      { item: "nan", weight: Number.NaN },
    ]);
    expect(new Set(picks(picker, 50))).toEqual(new Set(["on"]));
    expect(createSmoothWeightedPicker([{ item: "off", weight: 0 }]).pick()).toBeUndefined();
    expect(createSmoothWeightedPicker<string>([]).pick()).toBeUndefined();
  });

  it("skips ineligible items and keeps the others evenly interleaved", () => {
    const picker = createSmoothWeightedPicker([
      { item: "a", weight: 1 },
      { item: "b", weight: 1 },
      { item: "c", weight: 1 },
    ]);
    expect(picks(picker, 3)).toEqual(["a", "b", "c"]);
    const withoutB = picks(picker, 8, (item) => item !== "b");
    for (let i = 1; i < withoutB.length; i++) expect(withoutB[i]).not.toBe(withoutB[i - 1]);
    expect(withoutB.filter((item) => item === "a")).toHaveLength(4);
    expect(picks(picker, 6).toSorted()).toEqual(["a", "a", "b", "b", "c", "c"]);
  });

  it("keeps exact proportions among the eligible items while one is skipped", () => {
    const picker = createSmoothWeightedPicker([
      { item: "a", weight: 5 },
      { item: "b", weight: 1 },
      { item: "c", weight: 1 },
    ]);
    const sequence = picks(picker, 600, (item) => item !== "c");
    for (let start = 0; start + 6 <= sequence.length; start += 6) {
      const window = sequence.slice(start, start + 6);
      expect(
        window.filter((item) => item === "b"),
        `window at ${start}`,
      ).toHaveLength(1);
    }
  });

  it("returns undefined when no item is eligible", () => {
    const picker = createSmoothWeightedPicker([{ item: "a", weight: 1 }]);
    expect(picker.pick(() => false)).toBeUndefined();
    expect(picker.pick()).toBe("a");
  });
});
