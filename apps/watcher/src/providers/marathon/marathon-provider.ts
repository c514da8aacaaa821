// The Marathon provider: keeps one event stream open (masters in turn, back-off,
// staleness watch), turns routing events into coalesced `/v2/apps` fetches plus a
// periodic resync, and emits the translated snapshot (app-list.ts guards it).
import { type Clock, createBackoff, sleep, type TimerHandle } from "@signalbox/backoff";
import type { Logger } from "pino";
import { Agent } from "undici";
import type { MarathonMaster } from "../../config.js";
import type { WatcherMetrics } from "../../metrics.js";
import { createCoalescedTask } from "../../scheduling/coalesced-task.js";
import type { Provider, ProviderSnapshot } from "../provider.js";
import { createAppList } from "./app-list.js";
import { fetchApps } from "./apps-client.js";
import { RELOAD_EVENTS, readEventStream } from "./event-stream.js";

export interface MarathonProviderOptions {
  masters: MarathonMaster[];
  clock: Clock;
  random: () => number;
  logger: Logger;
  metrics: WatcherMetrics;
  /** Full `/v2/apps` fetch period whatever the stream says. */
  resyncMs: number;
  /** Silence on the stream (no event, no keep-alive) past this: warn and reconnect. */
  staleStreamMs: number;
  debounceMs: number;
  /** Deadline of one `/v2/apps` fetch and of the stream's response headers. */
  timeoutMs: number;
  /** Reconnect back-off; default 250 ms doubling up to 30 s, with full jitter. */
  backoff?: { baseMs: number; capMs: number };
  /** A stream that stayed open this long was healthy: the back-off starts over. Default 10 s. */
  healthyStreamMs?: number;
  /** An empty list after a non-empty one is re-fetched after this before it counts. Default 2 s. */
  confirmEmptyMs?: number;
}

/** The Marathon source; a new snapshot is emitted after every good `/v2/apps` answer. */
export function createMarathonProvider(opts: MarathonProviderOptions): Provider {
  return {
    source: "marathon",
    run: (emit, signal) => runMarathon(opts, emit, signal),
  };
}

async function runMarathon(
  opts: MarathonProviderOptions,
  emit: (snapshot: ProviderSnapshot) => void,
  signal: AbortSignal,
): Promise<void> {
  const { clock, logger, metrics, masters } = opts;
  if (masters.length === 0) throw new Error("Marathon provider needs at least one master");
  const dispatcher = new Agent({ connect: { timeout: opts.timeoutMs } });
  const timers = new Set<TimerHandle>();
  const after = (ms: number, fn: () => void) => {
    const handle = clock.setTimeout(() => {
      timers.delete(handle);
      fn();
    }, ms);
    timers.add(handle);
  };

  /** The master the stream reached (the leader after a redirect); fetches go there. */
  let active: { url: string; authorization?: string } = masters[0] as MarathonMaster;
  let lastActivityMs = clock.now();
  let stream: AbortController | undefined;
  let staleWarned = false;
  metrics.observeStreamAge(() => (clock.now() - lastActivityMs) / 1000);

  const appList = createAppList({
    clock,
    logger,
    metrics,
    emit,
    confirmEmpty: () => after(opts.confirmEmptyMs ?? 2_000, () => reload.trigger()),
  });
  const reload = createCoalescedTask({
    clock,
    debounceMs: opts.debounceMs,
    leading: true,
    run: async () => {
      const result = await fetchApps(active.url, {
        dispatcher,
        clock,
        timeoutMs: opts.timeoutMs,
        signal,
        ...(active.authorization ? { authorization: active.authorization } : {}),
      });
      if (signal.aborted) return;
      if (result.ok) appList.accept(result.apps);
      else appList.reject(result.reason);
    },
    onError: (error) => logger.error({ err: error }, "Marathon reload failed"),
  });

  const resync = () =>
    after(opts.resyncMs, () => {
      reload.trigger();
      resync();
    });
  resync();

  const staleCheckMs = Math.max(1, Math.floor(opts.staleStreamMs / 3));
  const checkStale = () =>
    after(staleCheckMs, () => {
      const ageMs = clock.now() - lastActivityMs;
      if (ageMs > opts.staleStreamMs && !staleWarned) {
        staleWarned = true;
        logger.warn({ ageMs, boundMs: opts.staleStreamMs }, "Marathon event stream silent past the bound");
        stream?.abort(new Error("stale stream"));
      }
      checkStale();
    });
  checkStale();

  const touch = () => {
    lastActivityMs = clock.now();
    staleWarned = false;
  };

  const backoff = createBackoff({
    baseMs: opts.backoff?.baseMs ?? 250,
    capMs: opts.backoff?.capMs ?? 30_000,
    random: opts.random,
  });
  let index = 0;
  let failedInRound = 0;
  let attempts = 0;
  while (!signal.aborted) {
    const master = masters[index] as MarathonMaster;
    if (attempts++ > 0) metrics.streamReconnects.inc();
    stream = new AbortController();
    let healthyTimer: TimerHandle | undefined;
    let openedAtMs: number | undefined;
    let sawEvent = false;
    const end = await readEventStream(master, {
      dispatcher,
      signal: AbortSignal.any([signal, stream.signal]),
      headersTimeoutMs: opts.timeoutMs,
      handlers: {
        onOpen(baseUrl) {
          touch();
          active = { url: baseUrl, ...(master.authorization ? { authorization: master.authorization } : {}) };
          logger.info({ master: master.url, leader: baseUrl }, "Marathon event stream open");
          openedAtMs = clock.now();
          reload.trigger();
          healthyTimer = clock.setTimeout(() => {
            failedInRound = 0;
            backoff.reset();
          }, opts.healthyStreamMs ?? 10_000);
        },
        onEvent(eventType) {
          touch();
          metrics.marathonEvents.inc({ type: RELOAD_EVENTS.includes(eventType) ? eventType : "other" });
          // The attach event right after the 200 is the same "connected" the open already fetched for.
          const attachEcho =
            !sawEvent &&
            eventType === "event_stream_attached" &&
            clock.now() - (openedAtMs ?? 0) <= opts.debounceMs;
          sawEvent = true;
          if (attachEcho) return;
          if (RELOAD_EVENTS.includes(eventType)) reload.trigger();
          else logger.debug({ eventType }, "Marathon event ignored");
        },
        onActivity: touch,
        onGarbage(line) {
          logger.warn({ line: line.slice(0, 200) }, "Marathon event stream: unparsable line ignored");
        },
      },
    });
    if (healthyTimer) clock.clearTimeout(healthyTimer);
    if (signal.aborted) break;
    logger.warn({ master: master.url, reason: end.reason }, "Marathon event stream closed; reconnecting");
    if (!end.opened) {
      failedInRound++;
      index = (index + 1) % masters.length;
    }
    // A failed master hands over to the next one at once; a dropped stream, or a
    // round in which every master failed, waits out the back-off first.
    if (end.opened || failedInRound >= masters.length) {
      if (failedInRound >= masters.length) failedInRound = 0;
      await sleep(backoff.next() ?? 0, { clock, signal }).catch(() => undefined);
    }
  }
  await reload.stop();
  for (const handle of timers) clock.clearTimeout(handle);
  await dispatcher.close();
}
