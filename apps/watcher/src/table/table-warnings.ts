// The warnings of the current table, logged once each: the merge's (conflicts, bad input)
// and the compile's (shadowed patterns, routes without backends). The compile follows the
// tables incrementally: from the last compile and every key the diffs since then touched.
import { type CompiledTable, compileTable, type RouteTable, type TableDiff } from "@signalbox/route-model";
import type { Logger } from "pino";

export interface TableWarnings {
  /** A new current table; `diff` is from the current one before it, when known. */
  follow(table: RouteTable, diff?: TableDiff): void;
  /** Compiles the current table and logs each warning not logged by the collection before. */
  collect(mergeWarnings: readonly string[]): void;
}

export function createTableWarnings(opts: { logger: Logger; random: () => number }): TableWarnings {
  let current: RouteTable | undefined;
  let compiled: CompiledTable | undefined;
  /** Keys changed since `compiled.table`; undefined when the chain broke (compile in full). */
  let since: { endpoints: Set<string>; backends: Set<string> } | undefined;
  let logged = new Set<string>();
  return {
    follow(table, diff) {
      current = table;
      if (!diff || !since) {
        since = undefined;
        return;
      }
      for (const key of diff.changedEndpoints) since.endpoints.add(key);
      for (const key of diff.removedEndpoints) since.endpoints.add(key);
      for (const key of diff.changedBackends) since.backends.add(key);
      for (const key of diff.removedBackends) since.backends.add(key);
    },
    collect(mergeWarnings) {
      if (!current) return;
      const previous =
        compiled && since
          ? { compiled, changed: { endpoints: [...since.endpoints], backends: [...since.backends] } }
          : undefined;
      compiled = compileTable(current, { random: opts.random }, previous);
      since = { endpoints: new Set(), backends: new Set() };
      const warnings = [...mergeWarnings, ...compiled.warnings.map((w) => w.message)];
      for (const warning of warnings) {
        if (!logged.has(warning)) opts.logger.warn({ warning }, "route table warning");
      }
      logged = new Set(warnings);
    },
  };
}
