import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCertificate } from "./certificate-check.js";
import { createTestPki, type TestPki } from "./testing/index.js";

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.remove());

const now = () => Date.now();

describe("checkCertificate", () => {
  it("accepts a leaf with its key and records its SAN names, issuer and validity", () => {
    const cert = pki.issue({ names: ["Shop.Example.com", "*.shop.example.com"] });
    const check = checkCertificate({ chainPem: cert.chainPem, keyPem: cert.keyPem, now: now() });
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.facts.names).toEqual(["shop.example.com", "*.shop.example.com"]);
    expect(check.facts.issuer).toBe("CN=Signalbox Test Root CA");
    expect(check.facts.subject).toBe("CN=Shop.Example.com");
    expect(check.facts.notAfter).toBeGreaterThan(now() + 29 * 86_400_000);
    expect(check.facts.notBefore).toBeLessThanOrEqual(now());
    expect(check.facts.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it("falls back to the CN only when the certificate has no SAN", () => {
    const cert = pki.issue({ names: [], cn: "legacy.example.com" });
    const check = checkCertificate({ chainPem: cert.chainPem, keyPem: cert.keyPem, now: now() });
    expect(check).toMatchObject({ ok: true, facts: { names: ["legacy.example.com"] } });
  });

  it("ignores the CN when there is a SAN", () => {
    const cert = pki.issue({ names: ["a.example.com"], cn: "b.example.com" });
    const check = checkCertificate({ chainPem: cert.chainPem, keyPem: cert.keyPem, now: now() });
    expect(check).toMatchObject({ ok: true, facts: { names: ["a.example.com"] } });
  });

  it("accepts a chain in order: leaf, then the intermediate that issued it", () => {
    const cert = pki.issue({ names: ["chain.example.com"], viaIntermediate: true });
    const check = checkCertificate({ chainPem: cert.chainPem, keyPem: cert.keyPem, now: now() });
    expect(check).toMatchObject({ ok: true, facts: { issuer: "CN=Signalbox Test Intermediate" } });
    const withRoot = checkCertificate({
      chainPem: cert.chainPem + pki.caPem,
      keyPem: cert.keyPem,
      now: now(),
    });
    expect(withRoot.ok).toBe(true);
  });

  it("refuses a chain out of order, naming both certificates", () => {
    const cert = pki.issue({ names: ["chain.example.com"], viaIntermediate: true });
    const leafOnly = cert.chainPem.slice(0, cert.chainPem.length - pki.intermediatePem.length);
    const swapped = leafOnly + pki.caPem;
    const check = checkCertificate({ chainPem: swapped, keyPem: cert.keyPem, now: now() });
    expect(check).toEqual({
      ok: false,
      reason:
        "the chain is out of order: certificate 1 (subject CN=chain.example.com) is not issued by " +
        "certificate 2 (subject CN=Signalbox Test Root CA) (put the leaf first, then each issuer)",
    });
  });

  it("refuses a key that is not the leaf's", () => {
    const cert = pki.issue({ names: ["a.example.com"] });
    const other = pki.issue({ names: ["b.example.com"] });
    const check = checkCertificate({ chainPem: cert.chainPem, keyPem: other.keyPem, now: now() });
    expect(check).toEqual({
      ok: false,
      reason: "the private key does not match the certificate (subject CN=a.example.com)",
    });
  });

  it("refuses an expired certificate with its expiry", () => {
    const cert = pki.issue({ names: ["old.example.com"], expired: true });
    const check = checkCertificate({ chainPem: cert.chainPem, keyPem: cert.keyPem, now: now() });
    expect(check).toEqual({
      ok: false,
      reason: "certificate 1 (subject CN=old.example.com) expired at 2020-01-02T00:00:00.000Z",
    });
    // The same certificate was fine on its one day.
    const then = Date.UTC(2020, 0, 1, 12);
    expect(checkCertificate({ chainPem: cert.chainPem, keyPem: cert.keyPem, now: then }).ok).toBe(true);
  });

  it("refuses a certificate not valid yet", () => {
    const cert = pki.issue({ names: ["new.example.com"] });
    const check = checkCertificate({
      chainPem: cert.chainPem,
      keyPem: cert.keyPem,
      now: Date.UTC(2001, 0, 1),
    });
    expect(check.ok).toBe(false);
    if (!check.ok)
      expect(check.reason).toMatch(/^certificate 1 \(subject CN=new.example.com\) is not valid before /);
  });

  it("refuses garbage: no certificate, a broken certificate, no key, a certificate given as the key", () => {
    const cert = pki.issue({ names: ["a.example.com"] });
    const bad = (chainPem: string, keyPem: string) => {
      const check = checkCertificate({ chainPem, keyPem, now: now() });
      return check.ok ? "accepted" : check.reason;
    };
    expect(bad("hello", cert.keyPem)).toBe(
      "the certificate file holds no PEM certificate (BEGIN CERTIFICATE)",
    );
    expect(bad("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", cert.keyPem)).toMatch(
      /^certificate 1 of the file does not parse: /,
    );
    expect(bad(cert.chainPem, "hello")).toBe("the key file holds no PEM private key (BEGIN PRIVATE KEY)");
    expect(bad(cert.chainPem, cert.chainPem)).toBe(
      "the key file holds no PEM private key (BEGIN PRIVATE KEY)",
    );
    expect(bad(cert.chainPem, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")).toMatch(
      /^the private key does not parse: /,
    );
  });
});
