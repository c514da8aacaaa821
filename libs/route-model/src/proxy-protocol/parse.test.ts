import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ProxyProtocolError, parseProxyHeader, V2_MAX_BLOCK } from "./parse.js";

const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

/** A v2 header: version 2, `command`, `familyProtocol`, then `block` (addresses and TLVs). */
function v2(command: number, familyProtocol: number, block: number[]): Buffer {
  return Buffer.from([
    ...SIGNATURE,
    0x20 | command,
    familyProtocol,
    block.length >> 8,
    block.length & 0xff,
    ...block,
  ]);
}

const ipv4Block = [192, 0, 2, 7, 10, 0, 0, 1, 0x30, 0x39, 0x1f, 0x90]; // 192.0.2.7:12345 -> 10.0.0.1:8080

describe("parseProxyHeader v1", () => {
  it.each([
    ["PROXY TCP4 192.0.2.7 10.0.0.1 12345 8080\r\nGET / HTTP/1.1", { address: "192.0.2.7", port: 12345 }],
    ["PROXY TCP6 2001:db8::7 2001:db8::1 1 443\r\n", { address: "2001:db8::7", port: 1 }],
    ["PROXY UNKNOWN\r\n", undefined],
    ["PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n", undefined],
  ])("reads %j", (text, source) => {
    const header = parseProxyHeader(Buffer.from(text, "latin1"));
    expect(header).toEqual({ kind: "header", length: text.indexOf("\n") + 1, source });
  });

  it.each(["P", "PROXY", "PROXY TCP4 192.0.2.7 10.0.0.1 12345 80"])("waits for more after %j", (text) => {
    expect(parseProxyHeader(Buffer.from(text))).toEqual({ kind: "incomplete" });
  });

  it.each([
    "GET / HTTP/1.1\r\n",
    "PROXY TCP4 192.0.2.7 10.0.0.1 12345 8080\n",
    "PROXY TCP4 192.0.2.7 10.0.0.1 12345\r\n",
    "PROXY TCP4 2001:db8::7 10.0.0.1 1 2\r\n",
    "PROXY TCP6 192.0.2.7 2001:db8::1 1 2\r\n",
    "PROXY TCP4 192.0.2.7 10.0.0.1 65536 80\r\n",
    "PROXY TCP4 192.0.2.7 10.0.0.1 080 80\r\n",
    "PROXY UDP4 192.0.2.7 10.0.0.1 1 2\r\n",
    "PROXY TCP4  192.0.2.7 10.0.0.1 1 2\r\n",
    `PROXY TCP4 ${"1".repeat(120)}`,
  ])("refuses %j", (text) => {
    expect(() => parseProxyHeader(Buffer.from(text, "latin1"))).toThrow(ProxyProtocolError);
  });
});

describe("parseProxyHeader v2", () => {
  it("reads a PROXY TCP4 header and leaves the bytes after it", () => {
    const data = Buffer.concat([v2(1, 0x11, ipv4Block), Buffer.from("GET /")]);
    expect(parseProxyHeader(data)).toEqual({
      kind: "header",
      length: 28,
      source: { address: "192.0.2.7", port: 12345 },
    });
  });

  it("reads a TCP6 header with TLVs after the addresses", () => {
    const src = [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 7];
    const dst = [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1];
    const tlv = [0x04, 0x00, 0x02, 0xaa, 0xbb];
    const header = parseProxyHeader(v2(1, 0x21, [...src, ...dst, 0x01, 0xbb, 0x00, 0x50, ...tlv]));
    expect(header).toEqual({
      kind: "header",
      length: 16 + 36 + 5,
      source: { address: "2001:db8::7", port: 443 },
    });
  });

  it("gives no source for LOCAL and for UNSPEC and unix families", () => {
    expect(parseProxyHeader(v2(0, 0x11, ipv4Block))).toMatchObject({ kind: "header", source: undefined });
    expect(parseProxyHeader(v2(1, 0x00, []))).toEqual({ kind: "header", length: 16, source: undefined });
    expect(parseProxyHeader(v2(1, 0x31, new Array(216).fill(0)))).toMatchObject({ source: undefined });
  });

  it("waits until the whole block is there", () => {
    const whole = v2(1, 0x11, ipv4Block);
    for (let n = 1; n < whole.length; n++) {
      expect(parseProxyHeader(whole.subarray(0, n))).toEqual({ kind: "incomplete" });
    }
  });

  it.each([
    ["version 1 in the v2 signature", Buffer.from([...SIGNATURE, 0x11, 0x11, 0, 12, ...ipv4Block])],
    ["command 2", v2(2, 0x11, ipv4Block)],
    ["a short IPv4 block", v2(1, 0x11, ipv4Block.slice(0, 8))],
    ["a short IPv6 block", v2(1, 0x21, ipv4Block)],
    ["family 4", v2(1, 0x41, ipv4Block)],
    ["transport 3", v2(1, 0x13, ipv4Block)],
    [
      "a block past the limit",
      Buffer.from([...SIGNATURE, 0x21, 0x11, (V2_MAX_BLOCK + 1) >> 8, (V2_MAX_BLOCK + 1) & 0xff]),
    ],
  ])("refuses %s", (_what, data) => {
    expect(() => parseProxyHeader(data)).toThrow(ProxyProtocolError);
  });

  it("never throws anything but ProxyProtocolError, and a header never claims more bytes than it read", () => {
    const prefix = fc.constantFrom(Buffer.alloc(0), Buffer.from(SIGNATURE), Buffer.from("PROXY "));
    fc.assert(
      fc.property(prefix, fc.uint8Array({ maxLength: 120 }), (head, rest) => {
        const data = Buffer.concat([head, rest]);
        try {
          const header = parseProxyHeader(data);
          if (header.kind === "header") expect(header.length).toBeLessThanOrEqual(data.length);
        } catch (err) {
          expect(err).toBeInstanceOf(ProxyProtocolError);
        }
      }),
      { numRuns: 5000 },
    );
  });
});
