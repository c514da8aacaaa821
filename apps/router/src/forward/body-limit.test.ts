import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { BODY_TOO_LARGE, limitBody } from "./body-limit.js";

async function drain(body: AsyncIterable<Buffer>): Promise<{ bytes: number; error?: unknown }> {
  let bytes = 0;
  try {
    for await (const chunk of body) bytes += chunk.length;
  } catch (error) {
    return { bytes, error };
  }
  return { bytes };
}

const chunks = (...sizes: number[]) => Readable.from(sizes.map((n) => Buffer.alloc(n, "x")));

describe("limitBody", () => {
  it("passes a body up to the limit whole", async () => {
    expect(await drain(limitBody(chunks(400, 600), 1000))).toEqual({ bytes: 1000 });
  });

  it("stops before the chunk that crosses the limit and leaves the source open", async () => {
    const source = chunks(400, 400, 400, 400);
    expect(await drain(limitBody(source, 1000))).toEqual({ bytes: 800, error: BODY_TOO_LARGE });
    expect(source.destroyed).toBe(false);
  });
});
