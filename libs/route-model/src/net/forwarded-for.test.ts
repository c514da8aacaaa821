import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CidrSet } from "./cidr.js";
import { clientFromForwardedFor } from "./forwarded-for.js";

describe("clientFromForwardedFor", () => {
  const trusted = CidrSet.parse("10.0.0.0/8, ::1");

  it.each<[string | undefined, string, string]>([
    [undefined, "10.0.0.1", "10.0.0.1"],
    ["203.0.113.9", "192.0.2.1", "192.0.2.1"],
    ["203.0.113.9", "10.0.0.1", "203.0.113.9"],
    ["1.1.1.1, 203.0.113.9, 10.0.0.2", "10.0.0.1", "203.0.113.9"],
    ["1.1.1.1,203.0.113.9:5000", "::1", "203.0.113.9"],
    ["[2001:db8::9]:443", "10.0.0.1", "2001:db8::9"],
    ["::ffff:203.0.113.9", "10.0.0.1", "203.0.113.9"],
    ["10.0.0.3, 10.0.0.2", "10.0.0.1", "10.0.0.3"],
    ["1.1.1.1, garbage, 10.0.0.2", "10.0.0.1", "10.0.0.2"],
    ["unknown", "10.0.0.1", "10.0.0.1"],
  ])("X-Forwarded-For %j from %s -> %s", (xff, peer, client) => {
    expect(clientFromForwardedFor(xff, peer, trusted)).toBe(client);
  });

  it("never lets an untrusted peer choose the address, whatever it sends", () => {
    fc.assert(
      fc.property(fc.string(), fc.ipV4(), (xff, peer) => {
        if (trusted.contains(peer)) return;
        expect(clientFromForwardedFor(xff, peer, trusted)).toBe(peer);
      }),
    );
  });

  it("names an untrusted address or a trusted hop the router saw in the chain", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.ipV4(), fc.constant("10.1.2.3"))), (hops) => {
        const client = clientFromForwardedFor(hops.join(", "), "10.0.0.1", trusted);
        expect([...hops, "10.0.0.1"]).toContain(client);
        const right = hops.slice(hops.lastIndexOf(client) + 1);
        expect(right.every((hop) => trusted.contains(hop))).toBe(true);
      }),
    );
  });
});
