// One attempt to forward a request to one backend through its undici Pool, with the dispatcher's
// handler API so both bodies stream (back-pressure included) and nothing is buffered.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import type { BackendState, BackendStats } from "../backend-stats.js";
import type { Connections } from "../connections.js";
import type { FilterRequest } from "../filters/filter.js";
import type { Pick } from "../pick.js";
import type { RoutedEndpoint } from "../table/table-store.js";
import { responseHeaders } from "./headers.js";
import type { BackendPools } from "./pools.js";

/** What went wrong with an attempt; `dial` failures never wrote a byte to the backend. */
export type ForwardFailure =
  | { ok: false; reason: "unreachable"; dial: boolean; reset: boolean }
  | { ok: false; reason: "timeout"; dial: false; reset: false }
  | { ok: false; reason: "upstream-error"; dial: false; reset: boolean }
  | { ok: false; reason: "client-closed"; dial: false; reset: false };

export type ForwardResult = { ok: true; status: number } | ForwardFailure;

/** The request as it goes to the backend; filters change `path` and `headers`. */
export interface OutgoingRequest extends FilterRequest {
  req: IncomingMessage;
  /** Unset for an upgrade, which is answered on the raw socket. */
  res: ServerResponse;
  hasBody: boolean;
  requestId: string;
  endpoint: RoutedEndpoint;
  /** The sticky cookie's current value (undefined when absent or not sticky). */
  stickyRoute: string | undefined;
}

export interface ForwardDeps {
  pools: BackendPools;
  stats: BackendStats;
  /** While it is closing (drain phase 2), every response head says `Connection: close`. */
  connections: Connections;
}

const CLIENT_CLOSED = Object.assign(new Error("client closed the connection"), { code: "SB_CLIENT_CLOSED" });

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

/** Sends `out` to `pick.backend`; resolves when the response ended or the attempt failed. */
export function forwardOnce(out: OutgoingRequest, pick: Pick, deps: ForwardDeps): Promise<ForwardResult> {
  return new Promise((resolve) => {
    const backend = pick.backend;
    const state = deps.stats.get(backend.id);
    const exchange = new Exchange(out, pick, state, deps, resolve);
    const pool = deps.pools.get(backend.id, backend.address);
    pool.dispatch(
      {
        path: out.path,
        method: out.method,
        headers: out.headers,
        body: out.hasBody ? out.req : null,
      },
      exchange,
    );
  });
}

/** undici's handler for one attempt: response head and body straight to the client's response. */
class Exchange implements Dispatcher.DispatchHandler {
  private abort: ((err?: Error) => void) | undefined;
  private resume: (() => void) | undefined;
  private started = false;
  private settled = false;

  constructor(
    private readonly out: OutgoingRequest,
    private readonly pick: Pick,
    private readonly state: BackendState,
    private readonly deps: ForwardDeps,
    private readonly resolve: (result: ForwardResult) => void,
  ) {
    state.inFlight += 1;
    out.res.once("close", this.onClientClose);
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    if (this.out.res.destroyed) abort(CLIENT_CLOSED);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    const { res, endpoint } = this.out;
    this.started = true;
    this.resume = resume;
    this.deps.stats.recordConnected(this.state);
    const headers = responseHeaders(rawHeaders);
    if (!endpoint.filters.empty) endpoint.filters.onResponse(headers);
    const routeId = this.pick.route.route.id;
    if (endpoint.stickyCookie !== undefined && this.out.stickyRoute !== routeId) {
      headers.push(
        "set-cookie",
        `${endpoint.stickyCookie}=${routeId}; Path=${endpoint.cookiePath}; HttpOnly; SameSite=Lax`,
      );
    }
    if (this.deps.connections.isClosing) res.shouldKeepAlive = false;
    res.writeHead(statusCode, statusText, headers);
    this.statusCode = statusCode;
    return true;
  }

  private statusCode = 0;

  onData(chunk: Buffer): boolean {
    const ok = this.out.res.write(chunk);
    if (!ok && this.resume !== undefined) this.out.res.once("drain", this.resume);
    return ok;
  }

  onComplete(): void {
    this.out.res.end();
    this.settle({ ok: true, status: this.statusCode });
  }

  onError(err: Error): void {
    const code = (err as { code?: string }).code ?? "";
    if (err === CLIENT_CLOSED || this.out.res.destroyed) {
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

  private readonly onClientClose = (): void => {
    if (!this.settled && !this.out.res.writableFinished) this.abort?.(CLIENT_CLOSED);
  };

  private settle(result: ForwardResult): void {
    if (this.settled) return;
    this.settled = true;
    this.state.inFlight -= 1;
    this.state.requests += 1;
    this.state.totalRequests += 1;
    if (!result.ok || result.status >= 500) {
      this.state.errors += 1;
      this.state.totalErrors += 1;
    }
    if (!result.ok && result.reason === "unreachable") this.deps.stats.recordConnectFailure(this.state.id);
    this.out.res.off("close", this.onClientClose);
    this.resolve(result);
  }
}
