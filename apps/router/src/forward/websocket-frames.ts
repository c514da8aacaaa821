// Frame boundaries of a WebSocket byte stream (RFC 6455 5.2), so the router can inject a close
// frame between two frames of the backend's stream at drain without corrupting it.

/** Close frame 1001 "going away", unmasked (server to client, RFC 6455 5.5.1, 7.4.1). */
export const CLOSE_GOING_AWAY = Buffer.from([0x88, 0x02, 0x03, 0xe9]);

export class FrameBoundaries {
  /** Payload bytes left in the current frame. */
  private remaining = 0;
  /** Header bytes of the next frame seen so far (a header may span chunks). */
  private header: number[] = [];

  /** True between frames: a frame may be inserted here. */
  get atBoundary(): boolean {
    return this.remaining === 0 && this.header.length === 0;
  }

  /**
   * Consumes `chunk` from `start`; with `stopAtBoundary`, stops right after the first frame that
   * completes. Returns the offset it stopped at (chunk.length when it consumed everything).
   */
  feed(chunk: Uint8Array, start = 0, stopAtBoundary = false): number {
    let i = start;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - i);
        this.remaining -= n;
        i += n;
        if (this.remaining === 0 && stopAtBoundary) return i;
        continue;
      }
      this.header.push(chunk[i] as number);
      i += 1;
      const needed = headerLength(this.header);
      if (needed === undefined || this.header.length < needed) continue;
      this.remaining = payloadLength(this.header);
      this.header = [];
      if (this.remaining === 0 && stopAtBoundary) return i;
    }
    return i;
  }
}

/** Bytes of a frame header once its first two bytes are known. */
function headerLength(header: readonly number[]): number | undefined {
  if (header.length < 2) return undefined;
  const second = header[1] as number;
  const len7 = second & 0x7f;
  const extended = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
  return 2 + extended + (second & 0x80 ? 4 : 0);
}

function payloadLength(header: readonly number[]): number {
  const len7 = (header[1] as number) & 0x7f;
  if (len7 < 126) return len7;
  let length = 0;
  const bytes = len7 === 126 ? 2 : 8;
  for (let k = 0; k < bytes; k++) length = length * 256 + (header[2 + k] as number);
  return length;
}
