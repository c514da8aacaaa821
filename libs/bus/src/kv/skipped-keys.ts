// Keys of signalbox-routes a reader cannot use (a value that does not decode, a key outside
// the bucket's schema): skipped, never fatal. The tracker counts every skip for a metric,
// logs each key once, and remembers which such keys the bucket holds now, so the leader
// can delete them at its next publication.
import type { Logger } from "pino";

/** At most this many keys are remembered (logged once, offered for deletion); a flood is still counted. */
const MAX_REMEMBERED = 10_000;

export interface SkippedKeys {
  /** Entries skipped since the tracker was made (every occurrence counts). */
  readonly total: number;
  /** Skipped keys the bucket still holds (a later delete or a good value takes a key out), sorted. */
  present(): string[];
  /** An entry the reader skipped; logged the first time its key is skipped. */
  skip(key: string, reason: string): void;
  /** The key now holds a usable value, or was deleted. */
  clear(key: string): void;
}

export function createSkippedKeys(opts: { logger?: Logger } = {}): SkippedKeys {
  const logged = new Set<string>();
  const present = new Set<string>();
  let total = 0;
  return {
    get total() {
      return total;
    },
    present: () => [...present].sort(),
    skip(key, reason) {
      total += 1;
      if (present.size < MAX_REMEMBERED) present.add(key);
      if (logged.has(key) || logged.size >= MAX_REMEMBERED) return;
      logged.add(key);
      opts.logger?.error({ key, reason }, "skipped an unusable key in the routes bucket");
    },
    clear(key) {
      present.delete(key);
    },
  };
}
