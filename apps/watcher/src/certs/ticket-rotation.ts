// The TLS session ticket key in signalbox-certs (`tickets`): created when missing and replaced once
// it is a day old, so every router encrypts tickets with the same key and a client resumes on any
// of them. Several watchers may run this: create() and update(revision) are compare-and-set, so
// exactly one write wins and the others see it at their next check.
import { randomBytes as cryptoRandomBytes } from "node:crypto";
import type { Clock, TimerHandle } from "@signalbox/backoff";
import { certKeys, createCodec, TICKET_KEY_BYTES, type TicketKeys, ticketKeysSchema } from "@signalbox/bus";
import type { Logger } from "pino";
import type { KV } from "../bus-types.js";

export const TICKET_ROTATION_MS = 86_400_000;
const CHECK_EVERY_MS = 60_000;

export interface TicketRotationDeps {
  certsKv: KV;
  clock: Clock;
  logger: Logger;
  rotationMs?: number;
  checkEveryMs?: number;
  randomBytes?: (size: number) => Uint8Array;
}

export interface TicketRotation {
  /** One check now (also run every checkEveryMs); resolves when it is done. */
  check(): Promise<void>;
  stop(): Promise<void>;
}

export function startTicketRotation(deps: TicketRotationDeps): TicketRotation {
  const { certsKv: kv, clock, logger } = deps;
  const rotationMs = deps.rotationMs ?? TICKET_ROTATION_MS;
  const checkEveryMs = deps.checkEveryMs ?? CHECK_EVERY_MS;
  const randomBytes = deps.randomBytes ?? cryptoRandomBytes;
  const codec = createCodec("tickets", ticketKeysSchema, { logger });
  const fresh = (): TicketKeys => ({
    key: Buffer.from(randomBytes(TICKET_KEY_BYTES)).toString("base64"),
    rotatedAt: clock.now(),
  });

  const check = async (): Promise<void> => {
    const entry = await kv.get(certKeys.tickets);
    const current = entry?.operation === "PUT" ? codec.decode(entry.value) : undefined;
    if (entry !== null && current?.ok && clock.now() - current.value.rotatedAt < rotationMs) return;
    try {
      if (entry === null) await kv.create(certKeys.tickets, codec.encode(fresh()));
      else await kv.update(certKeys.tickets, codec.encode(fresh()), entry.revision);
      logger.info({ rotatedAt: clock.now() }, entry === null ? "ticket key created" : "ticket key rotated");
    } catch (error) {
      // Another watcher wrote first: its key stands.
      logger.debug({ err: error }, "ticket key written by another watcher");
    }
  };

  let timer: TimerHandle | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = check()
      .catch((error: unknown) => logger.warn({ err: error }, "ticket key check failed"))
      .finally(() => {
        if (!stopped) timer = clock.setTimeout(tick, checkEveryMs);
      });
  };
  tick();
  return {
    check: async () => {
      await running;
      await check();
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      await running;
    },
  };
}
