// The access log: one JSON line per answer, appended asynchronously through sonic-boom (pino's
// destination) to stdout or a file that SIGHUP reopens (logrotate's move-then-signal). Lines are
// written in batches of BATCH_BYTES (sonic-boom needs it under its 16 KiB maxWrite), and at least
// every FLUSH_MS: one write per line cost more of the proxy's throughput (bench/proxy). Sampling is decided before a line is built, so a
// sampled-out request costs a comparison and a counter.

import pino from "pino";
import type { AccessLogConfig } from "./access-log-config.js";

/** One access-log line; every key is present on every line (null when it does not apply). */
export interface AccessLine {
  time: string;
  requestId: string;
  traceId: string | null;
  client: string | null;
  method: string;
  host: string | null;
  path: string | null;
  protocol: string;
  scheme: string;
  status: number;
  bytesIn: number | null;
  bytesOut: number;
  durationMs: number;
  upstreamMs: number | null;
  endpoint: string | null;
  route: string | null;
  backend: string | null;
  service: string | null;
  strategy: string | null;
  attempts: number;
  retries: readonly RetriedAttempt[] | null;
  verdict: string | null;
  tableVersion: number | null;
  error: string | null;
}

/** An attempt that failed and was tried again elsewhere. */
export interface RetriedAttempt {
  backend: string;
  reason: string;
}

type Destination = ReturnType<typeof pino.destination>;

const BATCH_BYTES = 16_000;
const FLUSH_MS = 250;

export class AccessLog {
  private sampled = 0;

  private constructor(
    private readonly stream: Destination,
    private readonly config: AccessLogConfig,
  ) {}

  /** The log `config` asks for; undefined when it is off. */
  static open(config: AccessLogConfig): AccessLog | undefined {
    const { destination } = config;
    if (destination === "off") return undefined;
    const dest = destination === "stdout" ? 1 : destination.path;
    // pino's types lack sonic-boom's periodicFlush (a flush timer, unref'd, cleared on end).
    const options = {
      dest,
      sync: false,
      mkdir: true,
      append: true,
      minLength: BATCH_BYTES,
      periodicFlush: FLUSH_MS,
    };
    return new AccessLog(pino.destination(options), config);
  }

  /** Paths keep their query string in the log. */
  get logsQuery(): boolean {
    return this.config.logQuery;
  }

  /** True when the answer gets a line: every 4xx/5xx (and 0, a cut), every slow one, 1 in N others. */
  keeps(status: number, durationMs: number): boolean {
    if (status >= 400 || status < 100) return true;
    const { sample, slowMs } = this.config;
    if (slowMs > 0 && durationMs >= slowMs) return true;
    if (sample === 1) return true;
    this.sampled += 1;
    if (this.sampled < sample) return false;
    this.sampled = 0;
    return true;
  }

  write(line: AccessLine): void {
    this.stream.write(`${JSON.stringify(line)}\n`);
  }

  /** Reopens the file (after logrotate moved it); stdout stays as it is. */
  reopen(): void {
    if (this.config.destination !== "stdout") this.stream.reopen();
  }

  /** Writes what is buffered and closes a file (stdout is flushed, not closed). */
  close(): Promise<void> {
    const stream = this.stream;
    return new Promise((resolve) => {
      if (this.config.destination === "stdout") {
        stream.flush(() => resolve());
        return;
      }
      stream.once("close", () => resolve());
      stream.once("error", () => resolve());
      stream.end();
    });
  }
}
