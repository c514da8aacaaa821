// Large admin answers written without stalling the data plane, which shares the event loop: the
// JSON is produced piece by piece, sent in chunks that respect back-pressure, and the loop is
// yielded to every few milliseconds so requests keep being routed while /routes streams.

import type { ServerResponse } from "node:http";
import { setImmediate as nextTurn } from "node:timers/promises";

/** Longest stretch of work before the loop is yielded to. */
const SLICE_MS = 4;
/** Text gathered before one write. */
const CHUNK_CHARS = 64 * 1024;

/** Runs `work` in slices: call `pause()` often; it resolves at once until SLICE_MS have passed. */
export class Slicer {
  private sliceStart = performance.now();

  async pause(): Promise<void> {
    if (performance.now() - this.sliceStart < SLICE_MS) return;
    await nextTurn();
    this.sliceStart = performance.now();
  }
}

/** Writes the JSON text `parts` yields as one response; stops early when the client goes away. */
export async function streamJson(
  res: ServerResponse,
  status: number,
  parts: Iterable<string>,
): Promise<void> {
  res.writeHead(status, { "content-type": "application/json" });
  const slicer = new Slicer();
  let chunk = "";
  for (const part of parts) {
    chunk += part;
    if (chunk.length >= CHUNK_CHARS) {
      if (!res.write(chunk)) await drained(res);
      chunk = "";
    }
    if (res.destroyed) return;
    await slicer.pause();
  }
  res.end(chunk);
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
