import { describe, expect, it } from "vitest";
import { type BackendEntry, createServiceStatusBook, serviceStatus } from "./service-status.js";

const entry = (id: string, service = "/shop", over: Partial<BackendEntry> = {}): BackendEntry => ({
  id,
  service,
  state: "up",
  heldOut: false,
  ...over,
});

describe("serviceStatus", () => {
  it("is SERVING while any backend serves", () => {
    expect(serviceStatus([entry("a"), entry("b")], { a: "NOT_SERVING", b: "SERVING" })).toBe("SERVING");
  });

  it("is NOT_SERVING when none does", () => {
    expect(serviceStatus([entry("a"), entry("b")], { a: "NOT_SERVING", b: "NOT_SERVING" })).toBe(
      "NOT_SERVING",
    );
    expect(serviceStatus([], {})).toBe("NOT_SERVING");
  });

  it("counts a backend without a verdict that its gate keeps in rotation", () => {
    expect(serviceStatus([entry("a"), entry("b")], { a: "NOT_SERVING" })).toBe("SERVING");
    expect(serviceStatus([entry("a"), entry("b", "/shop", { heldOut: true })], { a: "NOT_SERVING" })).toBe(
      "NOT_SERVING",
    );
  });
});

describe("createServiceStatusBook", () => {
  it("publishes a service only from its first backend verdict", () => {
    const book = createServiceStatusBook();
    expect(book.setBackends([entry("a"), entry("b")])).toEqual({ changed: [], removed: [] });
    expect(book.get("/shop")).toBeUndefined();
    expect(book.setProbeStatus("a", "SERVING")).toEqual({ changed: ["/shop"], removed: [] });
    expect(book.get("/shop")).toEqual({ service: "/shop", status: "SERVING", backends: { a: "SERVING" } });
    expect(book.services()).toEqual(["/shop"]);
  });

  it("reports a change only when the status or a backend verdict changes", () => {
    const book = createServiceStatusBook();
    book.setBackends([entry("a"), entry("b")]);
    book.setProbeStatus("a", "SERVING");
    expect(book.setProbeStatus("a", "SERVING").changed).toEqual([]);
    expect(book.setProbeStatus("b", "SERVING").changed).toEqual(["/shop"]);
    expect(book.setProbeStatus("a", "NOT_SERVING").changed).toEqual(["/shop"]);
    expect(book.get("/shop")?.status).toBe("SERVING");
    book.setProbeStatus("b", "NOT_SERVING");
    expect(book.get("/shop")?.status).toBe("NOT_SERVING");
  });

  it("takes an agent's draining backend out at once, before any probe", () => {
    const book = createServiceStatusBook();
    book.setBackends([entry("a"), entry("b")]);
    book.setProbeStatus("a", "SERVING");
    book.setProbeStatus("b", "SERVING");
    const changes = book.setBackends([entry("a", "/shop", { state: "draining" }), entry("b")]);
    expect(changes.changed).toEqual(["/shop"]);
    expect(book.get("/shop")?.backends).toEqual({ a: "NOT_SERVING", b: "SERVING" });
    book.setBackends([entry("x", "/api", { state: "down" })]);
    expect(book.get("/api")).toEqual({
      service: "/api",
      status: "NOT_SERVING",
      backends: { x: "NOT_SERVING" },
    });
  });

  it("reports a service that left the route table as removed, once", () => {
    const book = createServiceStatusBook();
    book.setBackends([entry("a"), entry("x", "/api")]);
    book.setProbeStatus("a", "SERVING");
    expect(book.setBackends([entry("x", "/api")])).toEqual({ changed: [], removed: ["/shop"] });
    expect(book.get("/shop")).toBeUndefined();
    expect(book.setBackends([entry("x", "/api")])).toEqual({ changed: [], removed: [] });
  });

  it("forgets the probe status of a backend that left, and ignores late results for it", () => {
    const book = createServiceStatusBook();
    book.setBackends([entry("a"), entry("b")]);
    book.setProbeStatus("a", "SERVING");
    book.setBackends([entry("b")]);
    expect(book.get("/shop")).toEqual({ service: "/shop", status: "SERVING", backends: {} });
    expect(book.setProbeStatus("a", "NOT_SERVING")).toEqual({ changed: [], removed: [] });
    book.setBackends([entry("a"), entry("b")]);
    expect(book.get("/shop")?.backends).toEqual({});
  });
});
