import { describe, expect, it } from "vitest";
import { CidrSet } from "./cidr.js";
import { createDeniedRanges } from "./denied-ranges.js";

describe("denied backend ranges", () => {
  it("always refuses link-local addresses, IPv4 and IPv6", () => {
    const denied = createDeniedRanges();
    expect(denied.rangeOf("169.254.169.254:80")).toBe("169.254.0.0/16");
    expect(denied.rangeOf("[fe80::1]:8080")).toBe("fe80::/10");
    expect(denied.rangeOf("[febf:ffff::1]:8080")).toBe("fe80::/10");
    expect(denied.rangeOf("[fec0::1]:8080")).toBeUndefined();
    expect(denied.rangeOf("[fe80::1%eth0]:8080")).toBe("fe80::/10");
    expect(denied.rangeOf("[::ffff:169.254.0.1]:80")).toBe("169.254.0.0/16");
    expect(denied.rangeOf("169.255.0.1:80")).toBeUndefined();
    expect(denied.rangeOf("127.0.0.1:8080")).toBeUndefined();
    expect(denied.rangeOf("[::1]:8080")).toBeUndefined();
  });

  it("adds the operator's ranges after the link-local ones", () => {
    const denied = createDeniedRanges(CidrSet.parse("10.0.0.0/8, fd00::/8"));
    expect(denied.ranges.entries).toEqual(["169.254.0.0/16", "fe80::/10", "10.0.0.0/8", "fd00::/8"]);
    expect(denied.rangeOf("10.20.30.40:443")).toBe("10.0.0.0/8");
    expect(denied.rangeOf("[fd12::5]:443")).toBe("fd00::/8");
    expect(denied.rangeOf("11.0.0.1:443")).toBeUndefined();
  });

  it("does not resolve hostnames", () => {
    expect(createDeniedRanges(CidrSet.parse("0.0.0.0/0")).rangeOf("metadata.internal:80")).toBeUndefined();
  });
});
