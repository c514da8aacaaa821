// Plain-text tables for people: a header row and left-aligned columns two spaces apart.

/** Columns as wide as their widest cell; trailing spaces trimmed; no rows prints the header only. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** `2025-01-31T12:00:00Z`, or `-` for none. */
export function formatTime(epochMs: number | undefined): string {
  return epochMs === undefined ? "-" : new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `app=web,tier=a` (sorted by key), or `-` for none. */
export function formatLabels(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  return pairs.length > 0 ? pairs.map(([key, value]) => `${key}=${value}`).join(",") : "-";
}
