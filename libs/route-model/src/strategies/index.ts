// Strategy names (contract: Route.strategy) -> StrategySpec -> a Strategy instance.
import { ValidationError } from "../errors.js";
import { createConsistentHashStrategy } from "./consistent-hash.js";
import { createLeastLoadStrategy } from "./least-load.js";
import { createP2cStrategy } from "./p2c.js";
import { createRandomStrategy } from "./random.js";
import { createRoundRobinStrategy } from "./round-robin.js";
import type { Strategy, StrategyDeps, StrategySpec } from "./strategy.js";

/** An HTTP token (RFC 9110), which is what header and cookie names are. */
const TOKEN = /^[-!#$%&'*+.^_`|~0-9A-Za-z]+$/;

const EXPECTED = "is not one of round-robin, least-load, random, p2c, hash:header:<name>, hash:cookie:<name>";

/**
 * Parses a strategy name: "" and `round-robin` -> round-robin (the default), `least-load`, `random`,
 * `p2c`, `hash:header:<name>` (name lowercased, as headers are case-insensitive) and
 * `hash:cookie:<name>` (name kept as written: cookie names are case-sensitive); a name must be an HTTP
 * token. Anything else throws ValidationError on field "strategy" with the text as the value.
 */
export function parseStrategy(name: string): StrategySpec {
  switch (name) {
    case "":
    case "round-robin":
      return { kind: "round-robin" };
    case "least-load":
    case "random":
    case "p2c":
      return { kind: name };
  }
  const match = /^hash:(header|cookie):(.*)$/.exec(name);
  if (match === null) throw new ValidationError("strategy", name, EXPECTED);
  const source = match[1] === "header" ? "header" : "cookie";
  const keyName = match[2] ?? "";
  if (!TOKEN.test(keyName)) {
    throw new ValidationError(
      "strategy",
      name,
      `needs a ${source} name (an HTTP token) after "hash:${source}:"`,
    );
  }
  return { kind: "hash", source, name: source === "header" ? keyName.toLowerCase() : keyName };
}

/** A fresh Strategy for one route; strategies keep per-route state, so never share one between routes. */
export function createStrategy(spec: StrategySpec, deps: StrategyDeps): Strategy {
  switch (spec.kind) {
    case "round-robin":
      return createRoundRobinStrategy();
    case "least-load":
      return createLeastLoadStrategy();
    case "random":
      return createRandomStrategy(deps);
    case "p2c":
      return createP2cStrategy(deps);
    case "hash":
      return createConsistentHashStrategy(spec, createRoundRobinStrategy());
  }
}

export type { PickContext, Strategy, StrategyDeps, StrategySpec } from "./strategy.js";
