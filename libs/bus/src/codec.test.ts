import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createCodec } from "./codec.js";
import { codecs } from "./codecs.js";
import type { HealthMessage } from "./messages/health.js";
import { captureLogger } from "./testing/capture-logger.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("createCodec", () => {
  const schema = z.object({ name: z.string(), count: z.number().int() });

  it("round-trips a valid value through JSON bytes", () => {
    const codec = createCodec("sample", schema);
    const value = { name: "a", count: 3 };
    expect(new TextDecoder().decode(codec.encode(value))).toBe('{"name":"a","count":3}');
    expect(codec.decode(codec.encode(value))).toEqual({ ok: true, value });
  });

  it("drops unknown fields of an otherwise valid message", () => {
    const codec = createCodec("sample", schema);
    expect(codec.decode(bytes('{"name":"a","count":1,"extra":true}'))).toEqual({
      ok: true,
      value: { name: "a", count: 1 },
    });
  });

  it.each([
    ["not JSON", "{", /^sample message: not JSON: /],
    ["bad UTF-8", "\u00ff", /^sample message: not JSON: /],
    ["a wrong type", '{"name":1,"count":1}', /^sample message: name: .*expected string/],
    ["a missing field", '{"name":"a"}', /^sample message: count: /],
    ["a non-object", "[]", /^sample message: .*expected object/],
  ])("returns a reason for %s, counts it and logs it, never throws", (_, text, reason) => {
    const reasons: string[] = [];
    const logs = captureLogger();
    const codec = createCodec("sample", schema, { logger: logs.logger, onInvalid: (r) => reasons.push(r) });
    const data = text === "\u00ff" ? new Uint8Array([0xff]) : bytes(text);
    const result = codec.decode(data);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBe(!result.ok && result.reason);
    expect(logs.lines).toMatchObject([
      { codec: "sample", reason: reasons[0], msg: "dropped an invalid message" },
    ]);
  });

  it("names at most three issues and says how many more there were", () => {
    const wide = z.object({ a: z.string(), b: z.string(), c: z.string(), d: z.string(), e: z.string() });
    const result = createCodec("wide", wide).decode(bytes("{}"));
    expect(!result.ok && result.reason).toMatch(/^wide message: a: .*; b: .*; c: .*; and 2 more$/);
  });
});

describe("codecs", () => {
  it("decodes a health message and reports a bad backend status by path", () => {
    const message: HealthMessage = {
      service: "/shop/web",
      status: "SERVING",
      backends: { "web.1": "NOT_SERVING" },
      at: 1,
    };
    expect(codecs.health.decode(codecs.health.encode(message))).toEqual({ ok: true, value: message });
    const bad = codecs.health.decode(bytes(JSON.stringify({ ...message, backends: { x: 1 } })));
    expect(!bad.ok && bad.reason).toMatch(/^health message: backends\.x: /);
    const badStatus = codecs.health.decode(bytes(JSON.stringify({ ...message, status: "OK" })));
    expect(!badStatus.ok && badStatus.reason).toMatch(/^health message: status: /);
  });

  it("decodes routes.updated and rejects a negative version", () => {
    const message = {
      version: 3,
      hash: "abc",
      generatedAt: 10,
      changed: { endpoints: ["a.test"], backends: [] },
    };
    expect(codecs.routesUpdated.decode(codecs.routesUpdated.encode(message))).toEqual({
      ok: true,
      value: message,
    });
    const bad = codecs.routesUpdated.decode(bytes(JSON.stringify({ ...message, version: -1 })));
    expect(!bad.ok && bad.reason).toMatch(/^routes\.updated message: version: /);
  });

  it("decodes routes meta and requires the counts", () => {
    const meta = { version: 1, hash: "h", generatedAt: 5, endpointCount: 2, backendCount: 10 };
    expect(codecs.routesMeta.decode(codecs.routesMeta.encode(meta))).toEqual({ ok: true, value: meta });
    const bad = codecs.routesMeta.decode(bytes('{"version":1,"hash":"h","generatedAt":5}'));
    expect(!bad.ok && bad.reason).toMatch(/endpointCount/);
  });

  it("decodes router stats and rejects negative counts", () => {
    const stats = {
      routerId: "r1",
      at: 1000,
      intervalMs: 1000,
      backends: { b1: { requests: 5, errors: 1 } },
    };
    expect(codecs.routerStats.decode(codecs.routerStats.encode(stats))).toEqual({ ok: true, value: stats });
    const bad = codecs.routerStats.decode(
      bytes(JSON.stringify({ ...stats, backends: { b1: { requests: -1, errors: 0 } } })),
    );
    expect(!bad.ok && bad.reason).toMatch(/^router stats message: backends\.b1\.requests: /);
  });
});
