// Route validation: id `routeNNN`, a selector that parses, weight 0..10000, a known strategy.
import { SelectorSyntaxError, ValidationError } from "../errors.js";
import { parseSelector } from "../selector/parse.js";
import { parseStrategy } from "../strategies/index.js";
import { fieldPath, readNumber, readRecord } from "./fields.js";
import type { Route } from "./types.js";

const ROUTE_ID = /^route\d{3,}$/;

/**
 * Validates a Route: `id` matches `routeNNN` (3+ digits), `selector` parses (SelectorSyntaxError
 * kept as the cause), `weight` is an integer 0..10000, `strategy` is a contract strategy name.
 * Throws ValidationError whose field is the path below `at` (`endpoints[0].routes[1].weight`).
 */
export function parseRoute(x: unknown, at = ""): Route {
  const record = readRecord(x, at);
  const field = (name: string) => fieldPath(at, name);
  if (typeof record.id !== "string" || !ROUTE_ID.test(record.id)) {
    throw new ValidationError(field("id"), record.id, "is not a route id like route000");
  }
  return {
    id: record.id,
    selector: readSelector(record.selector, field("selector")),
    weight: readNumber(record.weight, field("weight"), { min: 0, max: 10000, integer: true }),
    strategy: readStrategy(record.strategy, field("strategy")),
  };
}

function readSelector(x: unknown, field: string): string {
  if (typeof x !== "string") throw new ValidationError(field, x, "is not a selector string");
  try {
    parseSelector(x);
  } catch (error) {
    if (!(error instanceof SelectorSyntaxError)) throw error;
    throw new ValidationError(field, x, `is not a valid selector (at position ${error.position})`, {
      cause: error,
    });
  }
  return x;
}

/** A strategy name parseStrategy accepts; ValidationError on `field` (the parse error as the cause) otherwise. */
export function readStrategy(x: unknown, field: string): string {
  if (typeof x !== "string") throw new ValidationError(field, x, "is not a strategy name");
  try {
    parseStrategy(x);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(
      field,
      x,
      "is not a strategy (round-robin, least-load, random, p2c, hash:header:<name>, hash:cookie:<name>)",
      { cause: error },
    );
  }
  return x;
}
