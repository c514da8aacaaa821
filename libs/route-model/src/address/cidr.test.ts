import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors.js";
import { cidrContains, parseCidr } from "./cidr.js";

describe("parseCidr", () => {
  it("reads IPv4 and IPv6 ranges, and a bare address as one host", () => {
    expect(parseCidr("169.254.0.0/16")).toMatchObject({ text: "169.254.0.0/16", family: "ipv4", prefix: 16 });
    expect(parseCidr("fe80::/10")).toMatchObject({ text: "fe80::/10", family: "ipv6", prefix: 10 });
    expect(parseCidr("10.1.2.3")).toMatchObject({ text: "10.1.2.3/32", prefix: 32 });
    expect(parseCidr("::1")).toMatchObject({ text: "::1/128", prefix: 128 });
  });

  it.each([
    ["10.0.0.0/33", /prefix length outside 0..32/],
    ["fe80::/129", /prefix length outside 0..128/],
    ["10.0.0.0/", /prefix length/],
    ["10.0.0.0/-1", /prefix length/],
    ["10.0.0/8", /is not an IP address/],
    ["example.com/24", /is not an IP address/],
    ["", /is not an IP address/],
  ])("refuses %j naming the problem", (text, reason) => {
    expect(() => parseCidr(text, "WATCHER_DENY_BACKEND_CIDRS")).toThrow(ValidationError);
    expect(() => parseCidr(text, "WATCHER_DENY_BACKEND_CIDRS")).toThrow(reason);
  });
});

describe("cidrContains", () => {
  const linkLocal4 = parseCidr("169.254.0.0/16");
  const linkLocal6 = parseCidr("fe80::/10");

  it("matches addresses inside the range and not outside", () => {
    expect(cidrContains(linkLocal4, "169.254.169.254")).toBe(true);
    expect(cidrContains(linkLocal4, "169.255.0.1")).toBe(false);
    expect(cidrContains(linkLocal6, "fe80::1")).toBe(true);
    expect(cidrContains(linkLocal6, "febf:ffff::1")).toBe(true);
    expect(cidrContains(linkLocal6, "fec0::1")).toBe(false);
    expect(cidrContains(parseCidr("0.0.0.0/0"), "8.8.8.8")).toBe(true);
  });

  it("matches an IPv4-mapped IPv6 address against an IPv4 range, and ignores an IPv6 zone", () => {
    expect(cidrContains(linkLocal4, "::ffff:169.254.1.1")).toBe(true);
    expect(cidrContains(linkLocal6, "fe80::1%eth0")).toBe(true);
  });

  it("never matches what is not an IP address", () => {
    expect(cidrContains(linkLocal4, "metadata.internal")).toBe(false);
    expect(cidrContains(linkLocal4, "")).toBe(false);
  });
});
