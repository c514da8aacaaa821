// The byte escaping behind subject tokens and KV keys: [A-Za-z0-9_-] stay as they are,
// every other UTF-8 byte becomes <escapeChar><two uppercase hex digits>.

const LITERAL = /^[A-Za-z0-9_-]$/;
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
 * stand as it is must not be escaped), so every text has exactly one token.
 */
export function unescapeToken(token: string, escapeChar: string): UnescapeResult {
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    const char = token.charAt(i);
    if (char === escapeChar) {
      const hex = token.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) {
        return {
          ok: false,
          position: i,
          reason: `"${escapeChar}" must be followed by two uppercase hex digits`,
        };
      }
      const byte = Number.parseInt(hex, 16);
      if (byte < 0x80 && LITERAL.test(String.fromCharCode(byte))) {
        return { ok: false, position: i, reason: `"${String.fromCharCode(byte)}" must not be escaped` };
      }
      bytes.push(byte);
      i += 2;
    } else if (LITERAL.test(char)) {
      bytes.push(char.charCodeAt(0));
    } else {
      return { ok: false, position: i, reason: `"${char}" must be escaped` };
    }
  }
  try {
    return { ok: true, text: decoder.decode(new Uint8Array(bytes)) };
  } catch {
    return { ok: false, position: 0, reason: "escaped bytes are not valid UTF-8" };
  }
}
