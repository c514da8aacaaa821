// The byte escaping behind subject tokens and KV keys: [A-Za-z0-9_-] stay as they are,
// every other UTF-8 byte becomes <escapeChar><two uppercase hex digits>.

const LITERAL = /^[A-Za-z0-9_-]$/;
const NOT_LITERAL = /[^A-Za-z0-9_-]/;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Escapes every UTF-8 byte of `text` outside [A-Za-z0-9_-] as `${escapeChar}XX`. */
export function escapeToken(text: string, escapeChar: string): string {
  let out = "";
  for (const byte of encoder.encode(text)) {
    const char = String.fromCharCode(byte);
    out +=
      byte < 0x80 && LITERAL.test(char)
        ? char
        : `${escapeChar}${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

export type UnescapeResult = { ok: true; text: string } | { ok: false; position: number; reason: string };

/**
 * The inverse of escapeToken; accepts only its exact output (canonical: a byte that may
 * stand as it is must not be escaped), so every text has exactly one token. Reads runs of
 * literal characters whole (a KV reader unescapes a key per entry: 110k for a large table).
 */
export function unescapeToken(token: string, escapeChar: string): UnescapeResult {
  let text = "";
  /** Escaped bytes >= 0x80 not decoded yet: one run of them holds whole UTF-8 sequences. */
  let pending: number[] = [];
  let validUtf8 = true;
  const flush = () => {
    if (pending.length === 0) return;
    try {
      text += decoder.decode(new Uint8Array(pending));
    } catch {
      validUtf8 = false;
    }
    pending = [];
  };
  for (let from = 0; ; ) {
    const at = token.indexOf(escapeChar, from);
    const end = at === -1 ? token.length : at;
    if (end > from) {
      const run = token.slice(from, end);
      const offset = run.search(NOT_LITERAL);
      if (offset !== -1)
        return { ok: false, position: from + offset, reason: `"${run.charAt(offset)}" must be escaped` };
      flush();
      text += run;
    }
    if (at === -1) break;
    const hex = token.slice(at + 1, at + 3);
    if (!/^[0-9A-F]{2}$/.test(hex)) {
      return {
        ok: false,
        position: at,
        reason: `"${escapeChar}" must be followed by two uppercase hex digits`,
      };
    }
    const byte = Number.parseInt(hex, 16);
    if (byte < 0x80) {
      const char = String.fromCharCode(byte);
      if (LITERAL.test(char)) return { ok: false, position: at, reason: `"${char}" must not be escaped` };
      flush();
      text += char;
    } else {
      pending.push(byte);
    }
    from = at + 3;
  }
  flush();
  return validUtf8
    ? { ok: true, text }
    : { ok: false, position: 0, reason: "escaped bytes are not valid UTF-8" };
}
