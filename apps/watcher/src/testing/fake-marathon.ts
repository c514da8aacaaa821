// A fake Marathon master on node:http that speaks the real wire formats
// (/work/shared/reference/marathon-api.md): `/v2/apps` with embedded tasks and a
// Jetty-framed SSE `/v2/events` (CRLF lines, keep-alive written as "\r" then "\n").
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface AppsAnswer {
  status?: number;
  /** Raw body instead of `{"apps": [...]}` (garbage, truncated JSON). */
  body?: string;
  /** Answer this much later (a slow master). */
  delayMs?: number;
}

export interface FakeMarathonOptions {
  /** Standby mode: `/v2/events` answers 307 to this leader base URL (Marathon >= 1.8). */
  redirectTo?: string;
  /** Require this `user:password` as basic auth (401 otherwise). */
  credentials?: string;
  /** Send Jetty's keep-alive on its own every this many ms, as Marathon does every 10 s (default: only on keepAlive()). */
  keepAliveMs?: number;
}

export interface FakeMarathon {
  readonly url: string;
  apps: unknown[];
  /** Overrides the next `/v2/apps` answers, one per call, then back to normal. */
  answerApps(...answers: AppsAnswer[]): void;
  /** The next `count` `/v2/events` requests answer `status` (a master in trouble). */
  failEvents(count: number, status: number): void;
  /** Writes one event to every open stream, as Marathon does. */
  emit(eventType: string, payload?: Record<string, unknown>): void;
  /** Jetty's heartbeat: "\r", a flush, then "\n". */
  keepAlive(): Promise<void>;
  writeRaw(text: string): void;
  /** Destroys every open stream's connection. */
  dropStreams(): void;
  openStreams(): number;
  waitForStreams(count: number, timeoutMs?: number): Promise<void>;
  readonly appsRequests: { url: string; headers: IncomingHttpHeaders }[];
  readonly eventRequests: { url: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

const CRLF = "\r\n";

/** Frames one event as Jetty's EventSourceServlet does: event line, data line, blank line. */
export function frameEvent(eventType: string, payload: Record<string, unknown>): string {
  const data = JSON.stringify({ ...payload, eventType, timestamp: new Date(0).toISOString() });
  return `event: ${eventType}${CRLF}data: ${data}${CRLF}${CRLF}`;
}

export async function startFakeMarathon(opts: FakeMarathonOptions = {}): Promise<FakeMarathon> {
  const streams = new Set<{ res: ServerResponse; types: string[] }>();
  const pendingAnswers: AppsAnswer[] = [];
  let eventFailures = { count: 0, status: 500 };
  const appsRequests: FakeMarathon["appsRequests"] = [];
  const eventRequests: FakeMarathon["eventRequests"] = [];
  const expectedAuth = opts.credentials
    ? `Basic ${Buffer.from(opts.credentials).toString("base64")}`
    : undefined;

  const fake = {
    apps: [] as unknown[],
  } as FakeMarathon;

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    if (expectedAuth && req.headers.authorization !== expectedAuth) {
      res.writeHead(401, { "content-type": "application/json" }).end('{"message":"Unauthorized"}');
      return;
    }
    if (url.pathname === "/ping") {
      res.writeHead(200, { "content-type": "text/plain" }).end("pong");
      return;
    }
    if (url.pathname === "/v2/apps") {
      appsRequests.push({ url: req.url ?? "", headers: req.headers });
      const answer = pendingAnswers.shift() ?? {};
      const send = () => {
        if (res.destroyed) return;
        const body = answer.body ?? JSON.stringify({ apps: fake.apps });
        res.writeHead(answer.status ?? 200, { "content-type": "application/json" }).end(body);
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
      return;
    }
    if (url.pathname === "/v2/events") {
      eventRequests.push({ url: req.url ?? "", headers: req.headers });
      if (eventFailures.count > 0) {
        eventFailures.count--;
        res.writeHead(eventFailures.status, { "content-type": "text/plain" }).end("unavailable");
        return;
      }
      if (opts.redirectTo) {
        res.writeHead(307, { location: `${opts.redirectTo}${req.url ?? ""}` }).end();
        return;
      }
      // Jetty matches each Accept value exactly; anything else falls through to 405.
      if (req.headers.accept !== "text/event-stream") {
        res
          .writeHead(405, { "content-type": "text/html" })
          .end("HTTP method GET is not supported by this URL");
        return;
      }
      // Jetty sends Connection: close and a close-delimited body, never chunked.
      res.useChunkedEncodingByDefault = false;
      res.writeHead(200, { "content-type": "text/event-stream;charset=UTF-8", connection: "close" });
      const stream = { res, types: url.searchParams.getAll("event_type") };
      streams.add(stream);
      res.on("close", () => streams.delete(stream));
      res.write(frameEvent("event_stream_attached", { remoteAddress: req.socket.remoteAddress ?? "" }));
      return;
    }
    res.writeHead(404, { "content-type": "application/json" }).end('{"message":"not found"}');
  });
  const heartbeat = opts.keepAliveMs ? setInterval(() => void fake.keepAlive(), opts.keepAliveMs) : undefined;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;

  Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    appsRequests,
    eventRequests,
    answerApps(...answers: AppsAnswer[]) {
      pendingAnswers.push(...answers);
    },
    failEvents(count: number, status: number) {
      eventFailures = { count, status };
    },
    emit(eventType: string, payload: Record<string, unknown> = {}) {
      const frame = frameEvent(eventType, payload);
      for (const stream of streams) {
        if (stream.types.length === 0 || stream.types.includes(eventType)) stream.res.write(frame);
      }
    },
    async keepAlive() {
      for (const stream of streams) stream.res.write("\r");
      await new Promise((resolve) => setTimeout(resolve, 5));
      for (const stream of streams) stream.res.write("\n");
    },
    writeRaw(text: string) {
      for (const stream of streams) stream.res.write(text);
    },
    dropStreams() {
      for (const stream of streams) stream.res.socket?.destroy();
      streams.clear();
    },
    openStreams: () => streams.size,
    async waitForStreams(count: number, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (streams.size < count) {
        if (Date.now() > deadline) throw new Error(`fake Marathon: ${streams.size} streams, wanted ${count}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    async close() {
      clearInterval(heartbeat);
      fake.dropStreams();
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  });
  return fake;
}
