import { describe, expect, it } from "vitest";
import { BACKEND_STATES } from "@signalbox/route-model";

describe("smoke", () => {
  it("resolves the package from source", () => {
    expect(BACKEND_STATES).toContain("draining");
  });
});
