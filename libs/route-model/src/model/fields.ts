// Field readers shared by the model parsers: each checks one JSON value and throws a
// ValidationError naming the full field path (`backends[3].address`) and the bad value.
import { ValidationError } from "../errors.js";

/** Joins a parent path and a child name: `at("backends[3]", "address")` -> `backends[3].address`. */
export function fieldPath(parent: string, name: string): string {
  if (parent === "") return name;
  return name.startsWith("[") ? `${parent}${name}` : `${parent}.${name}`;
}

/** A plain JSON object (not null, not an array). */
export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

export function readRecord(x: unknown, field: string): Record<string, unknown> {
  if (!isRecord(x)) throw new ValidationError(field || "(root)", x, "is not an object");
  return x;
}

export function readArray(x: unknown, field: string): unknown[] {
  if (!Array.isArray(x)) throw new ValidationError(field, x, "is not an array");
  return x;
}

export function readString(x: unknown, field: string): string {
  if (typeof x !== "string" || x === "") throw new ValidationError(field, x, "is not a non-empty string");
  return x;
}

export function readBoolean(x: unknown, field: string): boolean {
  if (typeof x !== "boolean") throw new ValidationError(field, x, "is not a boolean");
  return x;
}

/** A finite number within [min, max]; with `integer`, a whole number too. */
export function readNumber(
  x: unknown,
  field: string,
  range: { min: number; max: number; integer?: boolean },
): number {
  const ok =
    typeof x === "number" &&
    Number.isFinite(x) &&
    x >= range.min &&
    x <= range.max &&
    (!range.integer || Number.isInteger(x));
  if (!ok) {
    const what = range.integer ? "an integer" : "a number";
    const bounds = range.max === Number.MAX_SAFE_INTEGER ? `>= ${range.min}` : `${range.min}..${range.max}`;
    throw new ValidationError(field, x, `is not ${what} ${bounds}`);
  }
  return x;
}

/** A string -> string map (labels, header sets); keys must be non-empty. */
export function readStringMap(x: unknown, field: string): Record<string, string> {
  const record = readRecord(x, field);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) {
    if (key === "") throw new ValidationError(field, x, "has an empty key");
    if (typeof value !== "string") throw new ValidationError(fieldPath(field, key), value, "is not a string");
    out[key] = value;
  }
  return out;
}

/** One of a fixed list of string values. */
export function readEnum<T extends string>(x: unknown, field: string, allowed: readonly T[]): T {
  if (typeof x !== "string" || !(allowed as readonly string[]).includes(x)) {
    throw new ValidationError(field, x, `is not one of ${allowed.join(", ")}`);
  }
  return x as T;
}
