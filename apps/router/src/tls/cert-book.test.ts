import { randomBytes } from "node:crypto";
import type { CertRecord } from "@signalbox/bus";
import { captureLogger } from "@signalbox/bus/testing";
import { checkCertificate } from "@signalbox/tls";
import { createTestPki, type IssuedCertificate, type TestPki } from "@signalbox/tls/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CertBook, type CertState, SELF_SIGNED_ID } from "./cert-book.js";
import { generateSelfSigned } from "./self-signed.js";

let pki: TestPki;
let shop: IssuedCertificate;
let wild: IssuedCertificate;

beforeAll(() => {
  pki = createTestPki();
  shop = pki.issue({ names: ["shop.test"] });
  wild = pki.issue({ names: ["*.wild.test"] });
});
afterAll(() => pki.remove());

function record(id: string, issued: IssuedCertificate, addedAt = 1): CertRecord {
  const check = checkCertificate({ chainPem: issued.chainPem, keyPem: issued.keyPem, now: Date.now() });
  if (!check.ok) throw new Error(check.reason);
  return { id, ...check.facts, source: "api", addedAt, chainPem: issued.chainPem, keyPem: issued.keyPem };
}

function state(records: CertRecord[], defaultId?: string, ticketKey?: Buffer): CertState {
  return { records: new Map(records.map((r) => [r.id, r])), defaultId, ticketKey };
}

describe("CertBook", () => {
  it("serves the self-signed fallback until certificates arrive, then picks by SNI", async () => {
    const logs = captureLogger("warn");
    const book = new CertBook(await generateSelfSigned(Date.now()), logs.logger);
    expect(book.pick("shop.test")).toMatchObject({ id: SELF_SIGNED_ID, match: "default" });
    expect(book.defaultPems().id).toBe(SELF_SIGNED_ID);

    let changes = 0;
    book.onChange(() => changes++);
    book.apply(state([record("shop", shop), record("wild", wild)], "shop"));
    expect(changes).toBe(1);
    expect(book.pick("shop.test")).toMatchObject({ id: "shop", match: "exact" });
    expect(book.pick("a.wild.test")).toMatchObject({ id: "wild", match: "wildcard" });
    expect(book.pick("other.test")).toMatchObject({ id: "shop", match: "default" });
    expect(book.defaultPems()).toMatchObject({ id: "shop", chainPem: shop.chainPem });
    expect(book.summaries()).toEqual([
      { id: "shop", names: ["shop.test"], notAfter: expect.any(Number), default: true },
      { id: "wild", names: ["*.wild.test"], notAfter: expect.any(Number), default: false },
    ]);
  });

  it("keeps the context of an unchanged certificate and rebuilds every one for a new ticket key", async () => {
    const book = new CertBook(await generateSelfSigned(Date.now()), captureLogger("silent").logger);
    const local = book.ticketKey;
    expect(local).toHaveLength(48);
    book.apply(state([record("shop", shop)]));
    const first = book.pick("shop.test").context;
    book.apply(state([record("shop", shop), record("wild", wild)]));
    expect(book.pick("shop.test").context).toBe(first);

    const shared = randomBytes(48);
    book.apply(state([record("shop", shop), record("wild", wild)], undefined, shared));
    expect(book.ticketKey).toEqual(shared);
    expect(book.pick("shop.test").context).not.toBe(first);
    expect(book.pick("nothing.test").id).toBe(SELF_SIGNED_ID);
  });

  it("leaves out a certificate it cannot load, logging its id and never its key", async () => {
    const logs = captureLogger("warn");
    const book = new CertBook(await generateSelfSigned(Date.now()), logs.logger);
    const broken = { ...record("shop", shop), keyPem: wild.keyPem };
    book.apply(state([broken, record("wild", wild)], "shop"));
    expect(book.pick("shop.test")).toMatchObject({ id: SELF_SIGNED_ID, match: "default" });
    expect(book.pick("a.wild.test").id).toBe("wild");
    // The default named a certificate that is not served: ClientHellos without a match get the fallback.
    expect(book.defaultPems().id).toBe(SELF_SIGNED_ID);
    expect(logs.find("certificate not loadable")).toMatchObject([{ certificate: "shop" }]);
    expect(JSON.stringify(logs.lines)).not.toMatch(/PRIVATE KEY/);
  });
});
