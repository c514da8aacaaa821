import { ManualClock } from "@signalbox/backoff/testing";
import { codecs } from "@signalbox/bus";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { ServiceHealth } from "../status/service-status.js";
import { createHealthPublisher } from "./health-publisher.js";

const logger = pino({ level: "silent" });

function setup(current: ServiceHealth[]) {
  const clock = new ManualClock(1_000);
  const sent: { subject: string; message: unknown }[] = [];
  const publisher = createHealthPublisher({
    publish: (subject, data) => {
      const decoded = codecs.health.decode(data);
      sent.push({ subject, message: decoded.ok ? decoded.value : decoded.reason });
    },
    clock,
    intervalMs: 5000,
    current: () => current,
    logger,
  });
  return { clock, sent, publisher };
}

const shop: ServiceHealth = { service: "/shop/web", status: "SERVING", backends: { a: "SERVING" } };

describe("createHealthPublisher", () => {
  it("publishes a change at once on health.<encoded service>, stamped with the clock", () => {
    const { sent, publisher } = setup([]);
    publisher.publish(shop);
    expect(sent).toEqual([
      {
        subject: "health.%2Fshop%2Fweb",
        message: { service: "/shop/web", status: "SERVING", backends: { a: "SERVING" }, at: 1_000 },
      },
    ]);
    publisher.stop();
  });

  it("publishes every service again each interval, until stopped", () => {
    const api: ServiceHealth = { service: "api", status: "NOT_SERVING", backends: { x: "NOT_SERVING" } };
    const { clock, sent, publisher } = setup([shop, api]);
    clock.advance(4999);
    expect(sent).toEqual([]);
    clock.advance(1);
    expect(sent.map((s) => s.subject)).toEqual(["health.%2Fshop%2Fweb", "health.api"]);
    clock.advance(5000);
    expect(sent).toHaveLength(4);
    expect(sent[3]?.message).toMatchObject({ service: "api", at: 11_000 });
    publisher.stop();
    clock.advance(20_000);
    expect(sent).toHaveLength(4);
    expect(clock.pending()).toBe(0);
  });

  it("publishes a service that left the table as NOT_SERVING with no backends", () => {
    const { sent, publisher } = setup([]);
    publisher.publishRemoved("api");
    expect(sent[0]?.message).toEqual({ service: "api", status: "NOT_SERVING", backends: {}, at: 1_000 });
    publisher.stop();
  });

  it("logs a failed publish and keeps going", () => {
    const clock = new ManualClock(0);
    let calls = 0;
    const publisher = createHealthPublisher({
      publish: () => {
        calls += 1;
        throw new Error("connection closed");
      },
      clock,
      intervalMs: 100,
      current: () => [shop],
      logger,
    });
    expect(() => publisher.publish(shop)).not.toThrow();
    clock.advance(200);
    expect(calls).toBe(3);
    publisher.stop();
  });
});
