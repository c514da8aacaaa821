// Publishes `health.<service>` (contract: ARCHITECTURE.md "NATS"): at once on every change, and
// every service again each interval, so a router that starts late catches up.

import type { Clock, TimerHandle } from "@signalbox/backoff";
import { codecs, subjects } from "@signalbox/bus";
import type { Logger } from "pino";
import type { ServiceHealth } from "../status/service-status.js";

export interface HealthPublisherOptions {
  /** Fire-and-forget publish (a NatsConnection's `publish`). */
  publish(subject: string, data: Uint8Array): void;
  clock: Clock;
  /** Every service is published again this often. */
  intervalMs: number;
  /** Every service to republish, as it stands now. */
  current(): ServiceHealth[];
  logger: Logger;
  onPublished?(): void;
}

export interface HealthPublisher {
  /** Publishes one service's health now, stamped with the clock's `at`. */
  publish(health: ServiceHealth): void;
  /** A service that left the route table: NOT_SERVING with no backends, once. */
  publishRemoved(service: string): void;
  stop(): void;
}

/** A failed publish (connection closed, bad name) is logged and never escapes. */
export function createHealthPublisher(options: HealthPublisherOptions): HealthPublisher {
  const { clock, logger } = options;
  let timer: TimerHandle | undefined;
  let stopped = false;

  function publish(health: ServiceHealth): void {
    try {
      const message = { ...health, at: clock.now() };
      options.publish(subjects.health(health.service), codecs.health.encode(message));
      options.onPublished?.();
    } catch (error) {
      logger.warn({ err: error, service: health.service }, "cannot publish service health");
    }
  }

  function republish(): void {
    timer = undefined;
    if (stopped) return;
    for (const health of options.current()) publish(health);
    timer = clock.setTimeout(republish, options.intervalMs);
  }
  timer = clock.setTimeout(republish, options.intervalMs);

  return {
    publish,
    publishRemoved: (service) => publish({ service, status: "NOT_SERVING", backends: {} }),
    stop() {
      stopped = true;
      if (timer) clock.clearTimeout(timer);
    },
  };
}
