// A pino logger whose lines a test can read back (@signalbox/bus/testing).

import { type Logger, pino } from "pino";

export interface CapturedLogs {
  readonly logger: Logger;
  /** Every line logged so far, parsed (`msg`, `level`, bound and merged fields). */
  readonly lines: Record<string, unknown>[];
  /** The `msg` of every line so far. */
  messages(): string[];
  /** The lines whose `msg` contains `text`. */
  find(text: string): Record<string, unknown>[];
}

/** A logger at `level` (default debug) that keeps its JSON lines in memory. */
export function captureLogger(level: pino.LevelWithSilent = "debug"): CapturedLogs {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return {
    logger,
    lines,
    messages: () => lines.map((line) => String(line.msg)),
    find: (text) => lines.filter((line) => String(line.msg).includes(text)),
  };
}
