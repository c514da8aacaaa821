// AGENT_LABELS text -> a label map. Canonical form `k=v,k=v`; the Backplane forms seen
// in the wild (`k:v`, whitespace-separated; shared/reference/seed-origins.md) are accepted too.

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Items are separated by commas and/or whitespace; each is `key=value`, or `key:value`
 * when it holds no `=`, split at the first separator (so `url=http://x` keeps its colon).
 * Keys must be non-empty; a repeated key is an error (which one would win is a guess).
 * "" gives no labels.
 */
export function parseLabels(text: string): ParseResult<Record<string, string>> {
  return parseKeyValues(text.split(/[\s,]+/));
}

/** The item rule of parseLabels on items already split; empty items are skipped. */
export function parseKeyValues(items: readonly string[]): ParseResult<Record<string, string>> {
  const labels: Record<string, string> = {};
  for (const item of items) {
    if (item === "") continue;
    const eq = item.indexOf("=");
    const at = eq >= 0 ? eq : item.indexOf(":");
    if (at < 0) return { ok: false, reason: `has item "${item}" without "=" (expected key=value)` };
    const key = item.slice(0, at);
    const value = item.slice(at + 1);
    if (key === "") return { ok: false, reason: `has item "${item}" with an empty key` };
    if (Object.hasOwn(labels, key)) return { ok: false, reason: `repeats the key "${key}"` };
    labels[key] = value;
  }
  return { ok: true, value: labels };
}
