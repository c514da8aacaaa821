// Canonical text of a parsed selector, for display and for comparing selectors.
import type { Requirement, RequirementOp, Selector } from "./parse.js";

const OP_ORDER: Record<RequirementOp, number> = { exists: 0, "!exists": 1, "=": 2, "!=": 3, in: 4, notin: 5 };

/**
 * Canonical string of a selector: requirements sorted by key then operator, duplicates dropped, set
 * values sorted and deduplicated, `==` written `=`, no spaces but the ones `in`/`notin` need
 * (`!canary,tier in (api,web),zone=eu`). Selectors that match the same way by construction (same
 * requirements in any order) format the same, and parseSelector(formatSelector(s)) gives s back in that order.
 */
export function formatSelector(selector: Selector): string {
  const entries = selector.map((requirement) => ({ requirement, text: formatRequirement(requirement) }));
  entries.sort((a, b) => compareRequirements(a.requirement, b.requirement) || compareText(a.text, b.text));
  return [...new Set(entries.map((entry) => entry.text))].join(",");
}

function formatRequirement({ key, op, values }: Requirement): string {
  switch (op) {
    case "exists":
      return key;
    case "!exists":
      return `!${key}`;
    case "=":
    case "!=":
      return `${key}${op}${values[0] ?? ""}`;
    case "in":
    case "notin":
      return `${key} ${op} (${[...new Set(values)].sort(compareText).join(",")})`;
  }
}

function compareRequirements(a: Requirement, b: Requirement): number {
  return compareText(a.key, b.key) || OP_ORDER[a.op] - OP_ORDER[b.op];
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
