// `GET /v2/apps?embed=apps.tasks` from one Marathon master, with a deadline on the
// injected clock; every failure is a value so the caller keeps its last good list.
import type { Clock } from "@signalbox/backoff";
import { type Dispatcher, request } from "undici";
import { describeError } from "./describe-error.js";

export type AppsResult = { ok: true; apps: unknown[] } | { ok: false; reason: string };

export interface FetchAppsOptions {
  dispatcher: Dispatcher;
  clock: Clock;
  /** Deadline of the whole exchange, headers and body, ms. */
  timeoutMs: number;
  signal: AbortSignal;
  authorization?: string;
}

/**
 * Resolves `{ ok: true, apps }` only for a 200 whose body is JSON with an `apps`
 * array; a refused connection, timeout, other status or malformed body is
 * `{ ok: false, reason }` naming the master and what went wrong. Never throws.
 */
export async function fetchApps(baseUrl: string, opts: FetchAppsOptions): Promise<AppsResult> {
  const url = `${baseUrl}/v2/apps?embed=apps.tasks`;
  const deadline = new AbortController();
  const timer = opts.clock.setTimeout(
    () => deadline.abort(new Error(`no answer within ${opts.timeoutMs} ms`)),
    opts.timeoutMs,
  );
  try {
    const response = await request(url, {
      method: "GET",
      dispatcher: opts.dispatcher,
      signal: AbortSignal.any([opts.signal, deadline.signal]),
      headers: {
        accept: "application/json",
        ...(opts.authorization ? { authorization: opts.authorization } : {}),
      },
    });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return { ok: false, reason: `${url}: status ${response.statusCode}` };
    }
    const text = await response.body.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return { ok: false, reason: `${url}: malformed JSON (${describeError(error)})` };
    }
    const apps = (parsed as { apps?: unknown } | null)?.apps;
    if (!Array.isArray(apps)) return { ok: false, reason: `${url}: no "apps" array in the answer` };
    return { ok: true, apps };
  } catch (error) {
    const cause = deadline.signal.aborted ? deadline.signal.reason : error;
    return { ok: false, reason: `${url}: ${describeError(cause)}` };
  } finally {
    opts.clock.clearTimeout(timer);
  }
}
