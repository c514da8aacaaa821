// Coded errors of the route model: callers branch on `code`, tests assert on the data fields.

/** A field of a model value is missing or out of range; names the field and the value. */
export class ValidationError extends Error {
  override readonly name = "ValidationError";
  readonly code = "SB_INVALID_FIELD";
  constructor(
    readonly field: string,
    readonly value: unknown,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`${field} ${formatValue(value)} ${reason}`, options);
  }
}

/** A label selector does not parse; `position` is the 0-based offset of the problem. */
export class SelectorSyntaxError extends Error {
  override readonly name = "SelectorSyntaxError";
  readonly code = "SB_SELECTOR_SYNTAX";
  constructor(
    readonly input: string,
    readonly position: number,
    reason: string,
  ) {
    super(`selector "${input}" at position ${position}: ${reason}`);
  }
}

/** An endpoint pattern does not parse; `position` is the 0-based offset of the problem. */
export class PatternSyntaxError extends Error {
  override readonly name = "PatternSyntaxError";
  readonly code = "SB_PATTERN_SYNTAX";
  constructor(
    readonly input: string,
    readonly position: number,
    reason: string,
  ) {
    super(`pattern "${input}" at position ${position}: ${reason}`);
  }
}

function formatValue(value: unknown): string {
  if (value === undefined) return "(missing)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** What is wrong with a client's request head: the router answers 400 and forwards nothing. */
export type RequestErrorKind = "bad-host" | "bad-target" | "path-above-root";

/** A request head the router refuses; `kind` says which part, the message names the value. */
export class RequestError extends Error {
  override readonly name = "RequestError";
  readonly code = "SB_BAD_REQUEST";
  constructor(
    readonly kind: RequestErrorKind,
    readonly value: string,
    reason: string,
  ) {
    super(`${reason}: ${formatValue(value)}`);
  }
}
