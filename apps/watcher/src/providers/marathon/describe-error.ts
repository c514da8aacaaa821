// One line for a failed HTTP exchange with a Marathon master, for logs and stream ends.

import { redactUrlCredentials } from "@signalbox/bus";

/**
 * undici errors carry a stable `code` (`UND_ERR_CONNECT_TIMEOUT`, `ECONNREFUSED`): keep it in front.
 * A URL in the message shows without its credentials.
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return redactUrlCredentials(typeof code === "string" ? `${code}: ${error.message}` : error.message);
  }
  return redactUrlCredentials(String(error));
}
