// Request bodies past ROUTER_MAX_BODY_BYTES are refused 413 (from Content-Length before a byte
// is forwarded, by counting for chunked bodies), and `Expect: 100-continue` is answered only
// once routing and filters accepted the request.

import { afterAll, describe, expect, it } from "vitest";
import { backendOf, endpoint } from "../harness.js";
import { useRouterSuite } from "../router-suite.js";
import { head, RawClients } from "./raw-client.js";

const suite = useRouterSuite({ ROUTER_MAX_BODY_BYTES: "1000" });
let clients: RawClients | undefined;
afterAll(() => clients?.closeAll());

/** Sends `text` on a fresh connection and returns everything the router sent until it closed. */
async function exchange(text: string): Promise<string> {
  clients ??= new RawClients(Number(new URL(suite.router.url).port));
  const client = await clients.open();
  await client.write(`${text}`);
  await client.waitFor(/\r\n\r\n[\s\S]*\n$/);
  client.socket.end();
  await client.closed;
  return client.received;
}

describe("body limit and Expect: 100-continue", () => {
  it("refuses bodies past ROUTER_MAX_BODY_BYTES, declared or chunked", async () => {
    const bodies: number[] = [];
    const backend = await suite.backend("sink", (req, res) => {
      let length = 0;
      req.on("data", (chunk: Buffer) => {
        length += chunk.length;
      });
      req.on("end", () => {
        bodies.push(length);
        res.end(`got ${length}\n`);
      });
    });
    await suite.publish(
      [
        endpoint("sink.test", [{ selector: "" }]),
        endpoint("limited.test", [{ selector: "" }], {
          filters: [{ type: "rate-limit", ratePerSecond: 0.001, burst: 1 }],
        }),
      ],
      [backendOf(backend)],
    );
    const declared = await exchange(
      head("POST", "/", "sink.test", ["content-length: 1001"]) + "x".repeat(1001),
    );
    expect(declared).toMatch(/^HTTP\/1\.1 413 /);
    expect(declared).toContain("x-signalbox-error: body-too-large");
    expect(backend.hits).toBe(0);

    const chunk = (n: number) => `${n.toString(16)}\r\n${"y".repeat(n)}\r\n`;
    const chunked = await exchange(
      `${head("POST", "/", "sink.test", ["transfer-encoding: chunked"])}${chunk(600)}${chunk(600)}0\r\n\r\n`,
    );
    expect(chunked).toMatch(/^HTTP\/1\.1 413 /);
    expect(bodies).toEqual([]);

    const small = await exchange(head("POST", "/", "sink.test", ["content-length: 1000"]) + "z".repeat(1000));
    expect(small).toMatch(/^HTTP\/1\.1 200 [\s\S]*got 1000\n$/);
  });

  it("answers 100 Continue only after routing and filters accepted the request", async () => {
    const expect100 = ["content-length: 5", "expect: 100-continue"];
    clients ??= new RawClients(Number(new URL(suite.router.url).port));
    const routed = await clients.open();
    await routed.write(head("POST", "/", "sink.test", expect100));
    await routed.waitFor(/^HTTP\/1\.1 100 Continue\r\n\r\n$/);
    await routed.write("hello");
    await routed.waitFor(/got 5\n$/);
    routed.socket.end();

    const unknown = await exchange(head("POST", "/", "nowhere.test", expect100));
    expect(unknown).toMatch(/^HTTP\/1\.1 404 /);
    expect(unknown).not.toContain("100 Continue");
    expect(unknown).toMatch(/connection: close/i);

    // The filter takes the one token of its bucket, then refuses: no 100 for the refused one.
    const first = await clients.open();
    await first.write(head("POST", "/", "limited.test", expect100));
    await first.waitFor(/^HTTP\/1\.1 100 Continue\r\n\r\n$/);
    await first.write("hello");
    await first.waitFor(/got 5\n$/);
    first.socket.end();
    const filtered = await exchange(head("POST", "/", "limited.test", expect100));
    expect(filtered).toMatch(/^HTTP\/1\.1 429 /);
    expect(filtered).not.toContain("100 Continue");
  });
});
