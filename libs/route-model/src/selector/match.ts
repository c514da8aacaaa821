// Label selector evaluation against one label set.
import type { Requirement, Selector } from "./parse.js";

/**
 * True when every requirement holds for `labels` (comma = AND; the empty selector matches all).
 * Kubernetes semantics for absent labels: `k!=v` and `k notin (a,b)` match a label set without `k`
 * (it has no value equal to v / in the set); `k=v`, `k in (...)` and `k` need `k` present; `!k` needs it absent.
 * Only the labels' own keys count (`constructor` is not inherited from Object.prototype).
 */
export function matchesSelector(selector: Selector, labels: Record<string, string>): boolean {
  for (const requirement of selector) {
    if (!matchesRequirement(requirement, labels)) return false;
  }
  return true;
}

function matchesRequirement({ key, op, values }: Requirement, labels: Record<string, string>): boolean {
  const value = Object.hasOwn(labels, key) ? labels[key] : undefined;
  switch (op) {
    case "exists":
      return value !== undefined;
    case "!exists":
      return value === undefined;
    case "=":
    case "in":
      return value !== undefined && values.includes(value);
    case "!=":
    case "notin":
      return value === undefined || !values.includes(value);
  }
}
