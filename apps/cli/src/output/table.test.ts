import { describe, expect, it } from "vitest";
import { formatLabels, formatTable, formatTime } from "./table.js";

describe("formatTable", () => {
  it("aligns every column to its widest cell", () => {
    const text = formatTable(
      ["ID", "WEIGHT"],
      [
        ["route000", "90"],
        ["r1", "10000"],
      ],
    );
    expect(text.split("\n")).toEqual(["ID        WEIGHT", "route000  90", "r1        10000"]);
  });

  it("prints the header alone when there are no rows", () => {
    expect(formatTable(["ID", "SERVICE"], [])).toBe("ID  SERVICE");
  });
});

describe("formatLabels and formatTime", () => {
  it("sorts labels by key and shows - for none", () => {
    expect(formatLabels({ tier: "a", app: "web" })).toBe("app=web,tier=a");
    expect(formatLabels({})).toBe("-");
  });

  it("prints UTC seconds, or - when there is no time", () => {
    expect(formatTime(Date.UTC(2025, 0, 31, 12, 0, 0, 123))).toBe("2025-01-31T12:00:00Z");
    expect(formatTime(undefined)).toBe("-");
  });
});
