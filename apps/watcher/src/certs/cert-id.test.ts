import { CERT_ID } from "@signalbox/bus";
import { describe, expect, it } from "vitest";
import { certIdFor } from "./cert-id.js";

describe("certIdFor", () => {
  it("makes a readable KV-safe id from the first name", () => {
    expect(certIdFor("Shop.Example.com")).toBe("shop-example-com");
    expect(certIdFor("*.example.com")).toBe("wildcard-example-com");
    expect(certIdFor("xn--bcher-kva.example")).toBe("xn--bcher-kva-example");
  });

  it("always yields an id the API accepts", () => {
    for (const name of ["*", "...", "a".repeat(300), "ä.test"]) expect(certIdFor(name)).toMatch(CERT_ID);
  });
});
