// A request body that may not pass a byte limit (ROUTER_MAX_BODY_BYTES): undici reads this
// instead of the client's stream, and stops before forwarding the chunk that crosses the limit.

import type { Readable } from "node:stream";

export const BODY_TOO_LARGE = Object.assign(new Error("request body too large"), {
  code: "SB_BODY_TOO_LARGE",
});

/**
 * Yields `body`'s chunks while their total stays within `max`; throws BODY_TOO_LARGE instead
 * of the chunk that crosses it. `body` is not destroyed then (its connection still carries the
 * 413), unlike a plain `for await`, which would cut the client.
 */
export async function* limitBody(body: Readable, max: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > max) throw BODY_TOO_LARGE;
    yield chunk;
  }
}
