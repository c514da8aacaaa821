import { describe, expect, it } from "vitest";
import { SelectorSyntaxError } from "../errors.js";
import { parseSelector, type Selector } from "./parse.js";

describe("parseSelector", () => {
  it.each<[string, Selector]>([
    ["", []],
    ["   ", []],
    ["tier=web", [{ key: "tier", op: "=", values: ["web"] }]],
    ["tier==web", [{ key: "tier", op: "=", values: ["web"] }]],
    ["tier!=web", [{ key: "tier", op: "!=", values: ["web"] }]],
    ["tier in (web,api)", [{ key: "tier", op: "in", values: ["web", "api"] }]],
    ["tier notin (web)", [{ key: "tier", op: "notin", values: ["web"] }]],
    ["canary", [{ key: "canary", op: "exists", values: [] }]],
    ["!canary", [{ key: "canary", op: "!exists", values: [] }]],
    ["marathon.app=/shop/web", [{ key: "marathon.app", op: "=", values: ["/shop/web"] }]],
    ["v=1.2:3", [{ key: "v", op: "=", values: ["1.2:3"] }]],
    ["k=", [{ key: "k", op: "=", values: [""] }]],
    [
      "k!=,x",
      [
        { key: "k", op: "!=", values: [""] },
        { key: "x", op: "exists", values: [] },
      ],
    ],
    ["0a-b_c/d.e", [{ key: "0a-b_c/d.e", op: "exists", values: [] }]],
    ["in", [{ key: "in", op: "exists", values: [] }]],
    ["in in (in)", [{ key: "in", op: "in", values: ["in"] }]],
    [
      "  tier = web ,  zone in( eu , us ) , ! canary,x  !=  y ",
      [
        { key: "tier", op: "=", values: ["web"] },
        { key: "zone", op: "in", values: ["eu", "us"] },
        { key: "canary", op: "!exists", values: [] },
        { key: "x", op: "!=", values: ["y"] },
      ],
    ],
    [
      "tier in (a,b),!canary,env=prod",
      [
        { key: "tier", op: "in", values: ["a", "b"] },
        { key: "canary", op: "!exists", values: [] },
        { key: "env", op: "=", values: ["prod"] },
      ],
    ],
  ])("parses %j", (text, expected) => {
    expect(parseSelector(text)).toEqual(expected);
  });

  it.each<[string, number, string]>([
    [",", 0, "expected a label key"],
    ["a,", 2, "expected a label key"],
    ["a,,b", 2, "expected a label key"],
    ["-a", 0, "expected a label key"],
    ["!", 1, "expected a label key"],
    ["!=v", 1, "expected a label key"],
    ["a b", 2, "expected '=', '==', '!=', 'in', 'notin', ',' or the end"],
    ["a=b c", 4, "expected ',' or the end of the selector"],
    ["a===b", 3, "expected ',' or the end of the selector"],
    ["a !b", 3, "expected '=' after '!'"],
    ["a in b", 5, "expected '(' opening the value list"],
    ["a in ()", 6, "expected a value"],
    ["a in (x,)", 8, "expected a value"],
    ["a in (x", 7, "expected ',' or ')' in the value list, found the end of the selector"],
    ["a in (x y)", 8, "expected ',' or ')' in the value list"],
    ["a notin x", 8, "expected '('"],
    ["a(b)", 1, "expected '=', '==', '!=', 'in', 'notin'"],
    ["a=b)", 3, "expected ',' or the end"],
  ])("rejects %j at position %i", (text, position, message) => {
    const error = catchError(() => parseSelector(text));
    expect(error).toBeInstanceOf(SelectorSyntaxError);
    expect(error).toMatchObject({ code: "SB_SELECTOR_SYNTAX", input: text, position });
    expect((error as Error).message).toContain(message);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}
