import { describe, expect, it } from "vitest";
import { SelectorSyntaxError, ValidationError } from "../errors.js";
import { parseRoute } from "./route.js";

const valid = {
  id: "route000",
  selector: "marathon.app=/shop/web,!canary",
  weight: 90,
  strategy: "round-robin",
};

describe("parseRoute", () => {
  it.each([
    valid,
    { ...valid, id: "route1234", selector: "", weight: 0, strategy: "hash:header:X-User" },
    { ...valid, weight: 10000, strategy: "p2c" },
    { ...valid, strategy: "hash:cookie:session" },
  ])("accepts %j", (route) => {
    expect(parseRoute({ ...route, extra: true })).toEqual(route);
  });

  it.each<[string, unknown]>([
    ["id", "route1"],
    ["id", "r000"],
    ["id", "route000 "],
    ["id", undefined],
    ["weight", -1],
    ["weight", 10001],
    ["weight", 2.5],
    ["weight", "90"],
    ["selector", 5],
    ["strategy", "fastest"],
    ["strategy", "hash:query:x"],
    ["strategy", undefined],
  ])("rejects %s %j", (field, value) => {
    expect(() => parseRoute({ ...valid, [field]: value }, "routes[1]")).toThrow(
      expect.objectContaining({ code: "SB_INVALID_FIELD", field: `routes[1].${field}`, value }),
    );
  });

  it("keeps the selector syntax error, with its position, as the cause", () => {
    let caught: unknown;
    try {
      parseRoute({ ...valid, selector: "tier in (a,b" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).field).toBe("selector");
    const cause = (caught as ValidationError).cause;
    expect(cause).toBeInstanceOf(SelectorSyntaxError);
    expect((cause as SelectorSyntaxError).position).toBe(12);
    expect((caught as Error).message).toContain("at position 12");
  });

  it("keeps the strategy error as the cause", () => {
    expect(() => parseRoute({ ...valid, strategy: "hash:header:" })).toThrow(
      expect.objectContaining({ field: "strategy", cause: expect.objectContaining({ field: "strategy" }) }),
    );
  });
});
