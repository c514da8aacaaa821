// One attempt to forward a request to one backend through its undici Pool, with the dispatcher's
// handler API so both bodies stream (back-pressure included) and nothing is buffered. Callbacks,
// not promises: this runs once per request and every allocation counts (bench/proxy).

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import type { RetriedAttempt } from "../access-log/access-log.js";
import type { BackendState, BackendStats } from "../backend-stats.js";
import type { ClientConnection, Connections, InFlight } from "../connections.js";
import type { FilterRequest } from "../filters/filter.js";
import type { Pick } from "../pick.js";
import type { RoutedEndpoint } from "../table/table-store.js";
import type { RequestSpan } from "../tracing/request-span.js";
import { BODY_TOO_LARGE, limitBody } from "./body-limit.js";
import { responseHeaders } from "./headers.js";
import type { BackendPools, PoolHandler } from "./pools.js";

/** What went wrong with an attempt; `dial` failures never wrote a byte to the backend. */
export type ForwardFailure =
  | { ok: false; reason: "unreachable"; dial: boolean; reset: boolean }
  | { ok: false; reason: "timeout"; dial: false; reset: false }
  | { ok: false; reason: "upstream-error"; dial: false; reset: boolean }
  | { ok: false; reason: "client-closed"; dial: false; reset: false }
  | { ok: false; reason: "backend-busy" | "body-too-large"; dial: false; reset: false };

export type ForwardResult = { ok: true; status: number } | ForwardFailure;

/** The request as it goes to the backend; filters change `path` and `headers`. */
export interface OutgoingRequest extends FilterRequest {
  req: IncomingMessage;
  /** Unset for an upgrade, which is answered on the raw socket. */
  res: ServerResponse;
  /** The client connection (undefined once it closed). */
  connection: ClientConnection | undefined;
  hasBody: boolean;
  requestId: string;
  endpoint: RoutedEndpoint;
  /** The sticky cookie's current value (undefined when absent or not sticky). */
  stickyRoute: string | undefined;
  /** performance.now() when the request arrived (access log, duration histogram). */
  startedAt: number;
  /** The client socket's bytesWritten then: the answer's size is the difference. */
  bytesOutBefore: number;
  /** performance.now() when the current attempt was dispatched; 0 before the first. */
  attemptStartedAt: number;
  /** Attempts dispatched so far. */
  attempts: number;
  /** The failed attempts that were tried again elsewhere, in order (undefined: none). */
  retried: RetriedAttempt[] | undefined;
  /** The health verdict of the current attempt's backend when it was picked (undefined: none). */
  verdict: string | undefined;
  /** Version of the table the request was routed by. */
  tableVersion: number;
  /** The trace this request belongs to, when one was continued or started (access log). */
  traceId: string | undefined;
  /** The request's span when tracing is on. */
  span: RequestSpan | undefined;
}

export interface ForwardDeps {
  pools: BackendPools;
  stats: BackendStats;
  /** While it is closing (drain phase 2), every response head says `Connection: close`. */
  connections: Connections;
  /** Silence allowed from a client sending its body or (once a write is blocked) reading the response. */
  clientTimeoutMs: number;
  /** Largest request body forwarded; 0 means no limit. */
  maxBodyBytes: number;
}

/** Told exactly once when an attempt ends. */
export interface AttemptListener {
  attemptEnded(result: ForwardResult, pick: Pick): void;
}

const CLIENT_CLOSED = Object.assign(new Error("client closed the connection"), { code: "SB_CLIENT_CLOSED" });
const OK_RESULTS = new Map<number, ForwardResult>();

/** Dial failures: nothing reached the backend, another backend may take the request. */
const DIAL_CODES = new Set([
  "ECONNREFUSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EADDRNOTAVAIL",
  "UND_ERR_CLOSED",
  "UND_ERR_DESTROYED",
]);

/** Resets: the connection broke, maybe after request bytes were written. */
const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"]);

/** Sends `out` to `pick.backend`; `listener` hears when the response ended or the attempt failed. */
export function forwardOnce(
  out: OutgoingRequest,
  pick: Pick,
  deps: ForwardDeps,
  listener: AttemptListener,
): void {
  const backend = pick.backend;
  startAttempt(out, pick, deps.stats);
  const exchange = new Exchange(out, pick, deps.stats.get(backend.id), deps, listener);
  deps.pools.dispatch(
    backend.id,
    backend.address,
    { path: out.path, method: out.method, headers: out.headers, body: bodyOf(out, deps.maxBodyBytes) },
    exchange,
  );
}

/** Notes an attempt of `out` on `pick` for the access log: count, start time, verdict at pick time. */
export function startAttempt(out: OutgoingRequest, pick: Pick, stats: BackendStats): void {
  out.attempts += 1;
  out.attemptStartedAt = performance.now();
  out.verdict = stats.healthOf(pick.backend.id);
}

/**
 * What undici reads: nothing, the client's stream, or (with a limit) that stream counted.
 * undici dispatches async iterables (lib/dispatcher/client-h1.js writeIterable); its types omit them.
 */
function bodyOf(out: OutgoingRequest, maxBodyBytes: number): Readable | null {
  if (!out.hasBody) return null;
  return maxBodyBytes === 0 ? out.req : (limitBody(out.req, maxBodyBytes) as unknown as Readable);
}

/**
 * undici's handler for one attempt: response head and body straight to the client's response.
 * The client socket's timeout (node:http cuts a socket whose timeout fires unheard) runs only
 * while the client owes the router something: its body, or reading a write that was refused.
 */
class Exchange implements PoolHandler, InFlight {
  private abort: ((err?: Error) => void) | undefined;
  private resume: (() => void) | undefined;
  private onDrain: (() => void) | undefined;
  holdsConnection = false;
  private started = false;
  private settled = false;
  private statusCode = 0;

  constructor(
    private readonly out: OutgoingRequest,
    private readonly pick: Pick,
    private readonly state: BackendState,
    private readonly deps: ForwardDeps,
    private readonly listener: AttemptListener,
  ) {
    state.inFlight += 1;
    out.connection?.inFlight.add(this);
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    if (this.out.res.destroyed) abort(CLIENT_CLOSED);
  }

  busy(): void {
    this.settle({ ok: false, reason: "backend-busy", dial: false, reset: false });
  }

  /** The whole body is with the backend: waiting for its answer is the upstream timeout's business. */
  onRequestSent(): void {
    if (this.out.hasBody) this.out.connection?.socket.setTimeout(0);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    const { res, endpoint } = this.out;
    this.started = true;
    this.resume = resume;
    this.statusCode = statusCode;
    this.deps.stats.recordConnected(this.state);
    const headers = responseHeaders(rawHeaders);
    if (!endpoint.filters.empty) endpoint.filters.onResponse(headers, this.out);
    if (endpoint.stickyCookie !== undefined) {
      const routeId = this.pick.route.route.id;
      if (this.out.stickyRoute !== routeId) {
        headers.push(
          "set-cookie",
          `${endpoint.stickyCookie}=${routeId}; Path=${endpoint.cookiePath}; HttpOnly; SameSite=Lax`,
        );
      }
    }
    if (this.deps.connections.isClosing) res.shouldKeepAlive = false;
    res.writeHead(statusCode, statusText, headers);
    return true;
  }

  onData(chunk: Buffer): boolean {
    const ok = this.out.res.write(chunk);
    if (!ok && this.resume !== undefined) {
      // Made on the first refused write only: most responses never need it.
      this.onDrain ??= () => {
        this.out.connection?.socket.setTimeout(0);
        this.resume?.();
      };
      this.out.connection?.socket.setTimeout(this.deps.clientTimeoutMs);
      this.out.res.once("drain", this.onDrain);
    }
    return ok;
  }

  onComplete(): void {
    this.out.res.end();
    let result = OK_RESULTS.get(this.statusCode);
    if (result === undefined) {
      result = { ok: true, status: this.statusCode };
      OK_RESULTS.set(this.statusCode, result);
    }
    this.settle(result);
  }

  onError(err: Error): void {
    const code = (err as { code?: string }).code ?? "";
    if (err === BODY_TOO_LARGE) {
      this.settle({ ok: false, reason: "body-too-large", dial: false, reset: false });
    } else if (err === CLIENT_CLOSED || this.out.res.destroyed) {
      this.settle({ ok: false, reason: "client-closed", dial: false, reset: false });
    } else if (this.started) {
      // The head is out: nothing to answer, the client sees the connection cut.
      this.out.res.destroy();
      this.settle({ ok: false, reason: "upstream-error", dial: false, reset: false });
    } else if (DIAL_CODES.has(code)) {
      this.settle({ ok: false, reason: "unreachable", dial: true, reset: false });
    } else if (code === "UND_ERR_HEADERS_TIMEOUT") {
      this.settle({ ok: false, reason: "timeout", dial: false, reset: false });
    } else {
      this.settle({ ok: false, reason: "upstream-error", dial: false, reset: RESET_CODES.has(code) });
    }
  }

  clientClosed(): void {
    if (!this.settled) this.abort?.(CLIENT_CLOSED);
  }

  private settle(result: ForwardResult): void {
    if (this.settled) return;
    this.settled = true;
    const { state, out } = this;
    state.inFlight -= 1;
    state.requests += 1;
    state.totalRequests += 1;
    if (!result.ok || result.status >= 500) {
      state.errors += 1;
      state.totalErrors += 1;
    }
    if (!result.ok && result.reason === "unreachable") this.deps.stats.recordConnectFailure(state.id);
    out.connection?.inFlight.delete(this);
    if (this.holdsConnection) this.deps.pools.release(this.pick.backend.id, this.pick.backend.address);
    this.listener.attemptEnded(result, this.pick);
  }
}
