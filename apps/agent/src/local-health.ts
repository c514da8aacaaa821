// The optional local health check (AGENT_HEALTH_PATH): GET http://<backend><path> from
// the agent's own host; a failing check makes the agent report state `down`.
import { Agent, request } from "undici";

export interface LocalHealthCheck {
  /** True for a 2xx or 3xx answer within `timeoutMs`; false for any other status or error. */
  check(): Promise<boolean>;
  /** Closes the check's connections. */
  close(): Promise<void>;
}

export function createLocalHealthCheck(opts: {
  address: string;
  path: string;
  timeoutMs: number;
}): LocalHealthCheck {
  const dispatcher = new Agent({ connections: 1, keepAliveTimeout: 10_000 });
  const url = `http://${opts.address}${opts.path}`;
  return {
    async check() {
      try {
        const response = await request(url, {
          dispatcher,
          method: "GET",
          headersTimeout: opts.timeoutMs,
          bodyTimeout: opts.timeoutMs,
          signal: AbortSignal.timeout(opts.timeoutMs),
        });
        await response.body.dump();
        return response.statusCode >= 200 && response.statusCode < 400;
      } catch {
        return false;
      }
    },
    close: () => dispatcher.close(),
  };
}
