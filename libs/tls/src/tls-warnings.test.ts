import { describe, expect, it } from "vitest";
import { EXPIRY_WARNING_MS, tlsWarnings } from "./tls-warnings.js";

const DAY = 86_400_000;
const now = Date.UTC(2026, 0, 1);

describe("tlsWarnings", () => {
  it("names an endpoint that asks for TLS with no certificate covering its host", () => {
    const warnings = tlsWarnings(
      [
        { pattern: "shop.test/cart", tls: true },
        { pattern: "api.wild.test", tls: true },
        { pattern: "plain.test" },
        { pattern: "*.other.test/x", tls: true },
      ],
      [{ id: "wild", names: ["*.wild.test"], notAfter: now + 90 * DAY }],
      now,
    );
    expect(warnings).toEqual([
      "endpoint shop.test/cart asks for TLS but no certificate covers shop.test (signalbox cert add)",
      "endpoint *.other.test/x asks for TLS but no certificate covers *.other.test (signalbox cert add)",
    ]);
  });

  it("warns of a certificate expiring within 14 days, and of one expired", () => {
    const warnings = tlsWarnings(
      [],
      [
        { id: "soon", names: ["a.test"], notAfter: now + 3 * DAY + 1000 },
        { id: "edge", names: ["b.test"], notAfter: now + EXPIRY_WARNING_MS },
        { id: "later", names: ["c.test"], notAfter: now + EXPIRY_WARNING_MS + 1 },
        { id: "gone", names: ["d.test", "e.test"], notAfter: now - DAY },
      ],
      now,
    );
    expect(warnings).toEqual([
      "certificate soon (a.test) expires at 2026-01-04T00:00:01.000Z, in 3 days",
      "certificate edge (b.test) expires at 2026-01-15T00:00:00.000Z, in 14 days",
      "certificate gone (d.test, e.test) expired at 2025-12-31T00:00:00.000Z",
    ]);
  });
});
