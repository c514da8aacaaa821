import { describe, expect, it } from "vitest";
import { FrameBoundaries } from "./websocket-frames.js";

function frame(payloadLength: number, masked = false): Buffer {
  const header =
    payloadLength < 126
      ? [0x82, payloadLength]
      : payloadLength < 65536
        ? [0x82, 126, payloadLength >> 8, payloadLength & 0xff]
        : [
            0x82,
            127,
            0,
            0,
            0,
            0,
            (payloadLength >>> 24) & 0xff,
            (payloadLength >> 16) & 0xff,
            (payloadLength >> 8) & 0xff,
            payloadLength & 0xff,
          ];
  if (masked) header[1] = (header[1] as number) | 0x80;
  return Buffer.concat([
    Buffer.from(header),
    masked ? Buffer.alloc(4, 7) : Buffer.alloc(0),
    Buffer.alloc(payloadLength, 1),
  ]);
}

describe("FrameBoundaries", () => {
  it.each([0, 5, 125, 126, 300, 70_000])(
    "finds the end of a %i-byte frame fed in 3-byte pieces",
    (length) => {
      const bytes = frame(length);
      const frames = new FrameBoundaries();
      for (let i = 0; i < bytes.length; i += 3) {
        expect(frames.atBoundary).toBe(i === 0);
        frames.feed(bytes.subarray(i, i + 3));
      }
      expect(frames.atBoundary).toBe(true);
    },
  );

  it("stops right after the frame in progress when asked", () => {
    const first = frame(10);
    const stream = Buffer.concat([first, frame(200, true), frame(3)]);
    const frames = new FrameBoundaries();
    frames.feed(stream.subarray(0, 4));
    expect(frames.atBoundary).toBe(false);
    expect(frames.feed(stream, 4, true)).toBe(first.length);
    expect(frames.atBoundary).toBe(true);
    expect(frames.feed(stream, first.length)).toBe(stream.length);
    expect(frames.atBoundary).toBe(true);
  });
});
