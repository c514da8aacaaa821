// Polling waits used while the stack comes up: a URL answering as expected, a port
// accepting, or a command succeeding, each bounded by a deadline with the last failure.
import { Socket } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { type Dispatcher, request } from "undici";

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  what: string;
}

/** Retries `attempt` until it resolves to a value other than undefined, or times out. */
export async function waitFor<T>(attempt: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = "no answer yet";
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}: ${lastError}`);
    }
    await delay(options.intervalMs ?? 200);
  }
}

/** Waits until `url` answers `status` (with an optional Host header and dispatcher); returns the body. */
export function waitForHttp(
  url: string,
  options: WaitOptions & { status?: number; host?: string; dispatcher?: Dispatcher },
): Promise<string> {
  return waitFor(async () => {
    const res = await request(url, {
      headers: options.host ? { host: options.host } : {},
      ...(options.dispatcher !== undefined && { dispatcher: options.dispatcher }),
      headersTimeout: 2_000,
      bodyTimeout: 2_000,
    });
    const body = await res.body.text();
    if (res.statusCode !== (options.status ?? 200))
      throw new Error(`${url} answered ${res.statusCode} ${body.trim()}`);
    return body;
  }, options);
}

/** Whether a TCP connection to host:port opens within a second. */
export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1_000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
    socket.connect(port, host);
  });
}
