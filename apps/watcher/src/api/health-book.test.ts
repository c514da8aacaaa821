import { describe, expect, it } from "vitest";
import { createHealthBook } from "./health-book.js";

describe("createHealthBook", () => {
  it("answers UNKNOWN before the health service spoke", () => {
    expect(createHealthBook().statusOf("/shop/web", "t1:0")).toBe("UNKNOWN");
  });

  it("keeps the newest verdict per service and ignores a late older one", () => {
    const book = createHealthBook();
    book.add({ service: "/shop/web", status: "SERVING", backends: { "t1:0": "NOT_SERVING" }, at: 20 });
    book.add({ service: "/shop/web", status: "SERVING", backends: { "t1:0": "SERVING" }, at: 10 });
    book.add({ service: "/shop/api", status: "SERVING", backends: { "t1:0": "SERVING" }, at: 30 });
    expect(book.statusOf("/shop/web", "t1:0")).toBe("NOT_SERVING");
    expect(book.statusOf("/shop/web", "t2:0")).toBe("UNKNOWN");
  });
});
