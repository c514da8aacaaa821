import { configKeys } from "@signalbox/bus";
import { describe, expect, it } from "vitest";
import { buildSnapshot } from "./api-provider.js";

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe("buildSnapshot", () => {
  it("turns API endpoint records into endpoints whose routes keep their ids, and shape records into overrides", () => {
    const entries = new Map([
      [
        configKeys.apiEndpoint("api.test"),
        json({
          pattern: "api.test",
          filters: [],
          routes: [{ id: "route003", selector: "app=web", weight: 5, strategy: "p2c" }],
        }),
      ],
      [configKeys.apiShape("shop.test"), json({ pattern: "shop.test", weights: { route000: 0 } })],
    ]);
    expect(buildSnapshot(entries)).toEqual({
      source: "api",
      endpoints: [
        {
          pattern: "api.test",
          filters: [],
          routes: [
            { id: "route003", key: "api:api.test#route003", selector: "app=web", weight: 5, strategy: "p2c" },
          ],
        },
      ],
      backends: [],
      warnings: [],
      weightOverrides: { "shop.test": { route000: 0 } },
    });
  });

  it("leaves out an entry that does not decode or validate, with a warning naming its key", () => {
    const badSelector = configKeys.apiEndpoint("b.test");
    const entries = new Map([
      [configKeys.apiEndpoint("a.test"), new TextEncoder().encode("{not json")],
      [
        badSelector,
        json({
          pattern: "b.test",
          filters: [],
          routes: [{ id: "route000", selector: "a in (", weight: 1, strategy: "random" }],
        }),
      ],
      [configKeys.apiShape("c.test"), json({ pattern: "c.test", weights: { route000: -1 } })],
    ]);
    const snapshot = buildSnapshot(entries);
    expect(snapshot.endpoints).toEqual([]);
    expect(snapshot.weightOverrides).toEqual({});
    expect(snapshot.warnings).toHaveLength(3);
    expect(snapshot.warnings.join("\n")).toContain(`signalbox-config ${badSelector}: `);
    expect(snapshot.warnings.join("\n")).toMatch(/selector/);
  });
});
