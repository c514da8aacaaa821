// The two-phase drain (issue 3 "Drain"; ARCHITECTURE.md "Readiness"): phase 1 readiness 503 while
// the listeners still accept for DRAIN_DELAY_MS; phase 2 stop accepting, close idle connections,
// `Connection: close` on busy ones, close frame 1001 to WebSockets, cut the rest after DRAIN_TIMEOUT_MS.

import type { Server } from "node:http";
import { type Clock, sleep } from "@signalbox/backoff";
import type { Logger } from "pino";
import type { Connections } from "./connections.js";

export interface DrainDeps {
  clock: Clock;
  delayMs: number;
  timeoutMs: number;
  servers: readonly Server[];
  connections: Connections;
  logger: Logger;
}

export interface DrainReport {
  /** Connections open when phase 2 began. */
  open: number;
  closedByThemselves: number;
  cutAtDeadline: number;
}

export class Drain {
  private phase: "serving" | "delay" | "closing" | "done" = "serving";
  private running: Promise<DrainReport> | undefined;

  constructor(private readonly deps: DrainDeps) {}

  /** True from the first moment of a drain (readiness 503). */
  get isDraining(): boolean {
    return this.phase !== "serving";
  }

  /** Runs the drain once; later calls get the same result. */
  run(): Promise<DrainReport> {
    this.running ??= this.drain();
    return this.running;
  }

  private async drain(): Promise<DrainReport> {
    const { clock, connections, logger } = this.deps;
    this.phase = "delay";
    logger.info(
      { delayMs: this.deps.delayMs, timeoutMs: this.deps.timeoutMs },
      "drain started: readiness 503",
    );
    if (this.deps.delayMs > 0) await sleep(this.deps.delayMs, { clock });
    this.phase = "closing";
    const open = connections.size;
    logger.info({ open }, "drain: listeners closed, waiting for connections");
    for (const server of this.deps.servers) server.close();
    const closed = connections.closeAll();
    let timer: object | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = clock.setTimeout(resolve, this.deps.timeoutMs);
    });
    await Promise.race([closed, deadline]);
    if (timer !== undefined) clock.clearTimeout(timer);
    const { cut, closedByThemselves } = connections.destroyAll();
    this.phase = "done";
    const report = { open, closedByThemselves, cutAtDeadline: cut };
    logger.info(report, "drain finished");
    return report;
  }
}
