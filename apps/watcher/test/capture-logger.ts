// A pino logger whose JSON lines land in an array, so tests can assert on warnings.
import { Writable } from "node:stream";
import { type Logger, pino } from "pino";

export interface LogLine {
  level: number;
  msg: string;
  component?: string;
  [field: string]: unknown;
}

export interface CapturedLogger {
  logger: Logger;
  lines: LogLine[];
  /** Lines whose message contains `text`. */
  find(text: string): LogLine[];
}

export function captureLogger(level = "debug"): CapturedLogger {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split("\n")) if (text) lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  const logger = pino({ level, base: { service: "watcher-test" } }, sink);
  return { logger, lines, find: (text) => lines.filter((line) => line.msg.includes(text)) };
}
