// Message codecs: JSON on the wire, validated by a zod schema on the way in. Decoding
// never throws; an invalid message is counted, logged with the reason and dropped.

import type { Logger } from "pino";
import type { ZodError, ZodType } from "zod";

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface Codec<T> {
  readonly name: string;
  /** JSON bytes of `value` (not validated: the type already says it fits). */
  encode(value: T): Uint8Array;
  /** Never throws: bad UTF-8, bad JSON or a schema violation is `{ ok: false, reason }`. */
  decode(data: Uint8Array): DecodeResult<T>;
}

export interface CodecOptions {
  /** Gets a warn line per invalid message: `health message: backends.x: expected string`. */
  logger?: Logger;
  /** Called once per invalid message (a prom-client Counter's `inc` fits). */
  onInvalid?(reason: string): void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
const ISSUES_SHOWN = 3;

/**
 * A codec for the message family `name`; reasons read `<name> message: <path>: <problem>`
 * (the first few schema issues, `;`-separated).
 */
export function createCodec<T>(name: string, schema: ZodType<T>, opts: CodecOptions = {}): Codec<T> {
  const invalid = (problem: string): DecodeResult<T> => {
    const reason = `${name} message: ${problem}`;
    opts.onInvalid?.(reason);
    opts.logger?.warn({ codec: name, reason }, "dropped an invalid message");
    return { ok: false, reason };
  };
  return {
    name,
    encode: (value) => encoder.encode(JSON.stringify(value)),
    decode(data) {
      let json: unknown;
      try {
        json = JSON.parse(decoder.decode(data));
      } catch (error) {
        return invalid(`not JSON: ${(error as Error).message}`);
      }
      const parsed = schema.safeParse(json);
      return parsed.success ? { ok: true, value: parsed.data } : invalid(describeIssues(parsed.error));
    },
  };
}

function describeIssues(error: ZodError): string {
  const shown = error.issues.slice(0, ISSUES_SHOWN).map((issue) => {
    const path = issue.path.map(String).join(".");
    return path === "" ? issue.message : `${path}: ${issue.message}`;
  });
  const more = error.issues.length - shown.length;
  return more > 0 ? `${shown.join("; ")}; and ${more} more` : shown.join("; ");
}
