// One connection to Marathon's `/v2/events` SSE stream: the exact Accept header Jetty
// requires, the standby's redirect to the leader followed, Jetty's CRLF framing and
// split "\r" "\n" keep-alives parsed with eventsource-parser (marathon-api.md B).
import { createParser } from "eventsource-parser";
import { type Dispatcher, request } from "undici";
import type { MarathonMaster } from "../../config.js";
import { describeError } from "./describe-error.js";

/** Events that can change routing (marathon-api.md "Which events should trigger a route reload"). */
export const RELOAD_EVENTS: readonly string[] = [
  "event_stream_attached",
  "status_update_event",
  "health_status_changed_event",
  "instance_changed_event",
  "instance_health_changed_event",
  "api_post_event",
  "app_terminated_event",
  "deployment_success",
  "deployment_failed",
];

export interface EventStreamHandlers {
  /** 200 received; `baseUrl` is the master that answered (the leader after a redirect). */
  onOpen(baseUrl: string): void;
  onEvent(eventType: string, data: string): void;
  /** Any bytes at all, keep-alives included: the stream is alive. */
  onActivity(): void;
  /** A line the SSE parser could not use (garbage); the stream goes on. */
  onGarbage(line: string): void;
}

/** How a stream ended; `opened` tells a dropped healthy stream from a failed connect. */
export interface StreamEnd {
  opened: boolean;
  reason: string;
}

export interface EventStreamOptions {
  dispatcher: Dispatcher;
  signal: AbortSignal;
  handlers: EventStreamHandlers;
  /** Deadline for the response headers, ms. */
  headersTimeoutMs: number;
}

const MAX_REDIRECTS = 3;
const EVENTS_PATH = "/v2/events";

/**
 * Reads one stream until it ends, fails or `signal` aborts; never throws. Asks the
 * server to filter to RELOAD_EVENTS (`event_type`, Marathon >= 1.3.7).
 */
export async function readEventStream(master: MarathonMaster, opts: EventStreamOptions): Promise<StreamEnd> {
  const query = RELOAD_EVENTS.map((type) => `event_type=${type}`).join("&");
  let url = `${master.url}${EVENTS_PATH}?${query}`;
  try {
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const response = await request(url, {
        method: "GET",
        dispatcher: opts.dispatcher,
        signal: opts.signal,
        // Jetty compares each Accept value for exact equality: nothing else in it.
        headers: {
          accept: "text/event-stream",
          ...(master.authorization ? { authorization: master.authorization } : {}),
        },
        headersTimeout: opts.headersTimeoutMs,
        bodyTimeout: 0,
      });
      const location = response.headers.location;
      if (response.statusCode >= 300 && response.statusCode < 400 && typeof location === "string") {
        await response.body.dump();
        // A standby answers with the leader's URL + same path and query: follow it.
        url = new URL(location, url).href;
        continue;
      }
      if (response.statusCode !== 200) {
        await response.body.dump();
        return { opened: false, reason: `status ${response.statusCode} from ${url}` };
      }
      opts.handlers.onOpen(baseUrlOf(url));
      return await consume(response.body, opts);
    }
    return { opened: false, reason: `more than ${MAX_REDIRECTS} redirects from ${master.url}` };
  } catch (error) {
    if (opts.signal.aborted) return { opened: false, reason: "aborted" };
    return { opened: false, reason: `${describeError(error)} (${url})` };
  }
}

async function consume(body: AsyncIterable<Buffer>, opts: EventStreamOptions): Promise<StreamEnd> {
  const { handlers } = opts;
  const parser = createParser({
    onEvent: (message) => handlers.onEvent(message.event ?? eventTypeOf(message.data), message.data),
    onError: (error) => handlers.onGarbage(error.line ?? error.message),
  });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of body) {
      handlers.onActivity();
      parser.feed(decoder.decode(chunk, { stream: true }));
    }
    return { opened: true, reason: "stream ended" };
  } catch (error) {
    return { opened: true, reason: opts.signal.aborted ? "aborted" : describeError(error) };
  }
}

/** Marathon always names the event; a nameless one falls back to its `eventType` field. */
function eventTypeOf(data: string): string {
  try {
    const value = JSON.parse(data) as { eventType?: unknown };
    return typeof value.eventType === "string" ? value.eventType : "message";
  } catch {
    return "message";
  }
}

/** `http://leader:8080/v2/events?...` -> `http://leader:8080`. */
function baseUrlOf(eventsUrl: string): string {
  const url = new URL(eventsUrl);
  const path = url.pathname.endsWith(EVENTS_PATH) ? url.pathname.slice(0, -EVENTS_PATH.length) : "";
  return `${url.origin}${path}`;
}
