import { describe, expect, it } from "vitest";
import { createOwnListenerCheck } from "./own-listeners.js";

const interfaces = () => ({
  lo: [{ address: "127.0.0.1", family: "IPv4", internal: true } as never],
  eth0: [
    { address: "10.1.2.3", family: "IPv4", internal: false } as never,
    { address: "fe80::abcd", family: "IPv6", internal: false } as never,
  ],
});

describe("own listener check", () => {
  it("matches a specific listener by host and port only", () => {
    const isOwn = createOwnListenerCheck(() => [{ host: "127.0.0.1", port: 8080 }], interfaces);
    expect(isOwn("127.0.0.1:8080")).toBe(true);
    expect(isOwn("localhost:8080")).toBe(true);
    expect(isOwn("[::ffff:127.0.0.1]:8080")).toBe(true);
    expect(isOwn("0.0.0.0:8080")).toBe(true);
    expect(isOwn("127.0.0.1:8081")).toBe(false);
    expect(isOwn("10.1.2.3:8080")).toBe(false);
  });

  it("matches every local address on a wildcard listener's port", () => {
    const isOwn = createOwnListenerCheck(() => [{ host: "0.0.0.0", port: 80 }], interfaces);
    expect(isOwn("10.1.2.3:80")).toBe(true);
    expect(isOwn("127.0.0.5:80")).toBe(true);
    expect(isOwn("[fe80::abcd]:80")).toBe(true);
    expect(isOwn("[::1]:80")).toBe(true);
    expect(isOwn("10.1.2.4:80")).toBe(false);
    expect(isOwn("10.1.2.3:81")).toBe(false);
    expect(isOwn("web.internal:80")).toBe(false);
  });

  it("reads the listeners at each call (ports bound after the check was made)", () => {
    const listeners: { host: string; port: number }[] = [];
    const isOwn = createOwnListenerCheck(() => listeners, interfaces);
    expect(isOwn("127.0.0.1:9000")).toBe(false);
    listeners.push({ host: "127.0.0.1", port: 9000 });
    expect(isOwn("127.0.0.1:9000")).toBe(true);
  });
});
