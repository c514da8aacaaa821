import type { Backend } from "@signalbox/route-model";
import { describe, expect, it } from "vitest";
import { createConnectedAtKeeper } from "./connected-at.js";

const backend = (id: string, address: string, connectedAt: number): Backend => ({
  id,
  service: "s",
  address,
  labels: {},
  state: "up",
  source: "file",
  connectedAt,
});

describe("createConnectedAtKeeper", () => {
  it("keeps the table's connectedAt for the same id and address, and the same copy while the source object stays", () => {
    const keeper = createConnectedAtKeeper();
    keeper.record({ version: 3, generatedAt: 0, endpoints: [], backends: [backend("a", "h:1", 100)] });
    const mine = backend("a", "h:1", 900);
    const first = keeper.adjust(mine);
    expect(first.connectedAt).toBe(100);
    expect(keeper.adjust(mine)).toBe(first);
  });

  it("takes the source's value for a new id or a moved address", () => {
    const keeper = createConnectedAtKeeper();
    keeper.record({ version: 3, generatedAt: 0, endpoints: [], backends: [backend("a", "h:1", 100)] });
    const moved = backend("a", "h:2", 900);
    const added = backend("b", "h:1", 900);
    expect([moved, added].map(keeper.adjust)).toEqual([moved, added]);
  });

  it("updates only the changed and removed ids when given the diff", () => {
    const keeper = createConnectedAtKeeper();
    keeper.record({
      version: 1,
      generatedAt: 0,
      endpoints: [],
      backends: [backend("a", "h:1", 100), backend("b", "h:2", 200)],
    });
    keeper.record(
      {
        version: 2,
        generatedAt: 0,
        endpoints: [],
        backends: [backend("b", "h:2", 200), backend("c", "h:3", 300)],
      },
      { changedEndpoints: [], removedEndpoints: [], changedBackends: ["c"], removedBackends: ["a"] },
    );
    const [a, b, c] = [backend("a", "h:1", 900), backend("b", "h:2", 900), backend("c", "h:3", 900)].map(
      keeper.adjust,
    );
    expect([a?.connectedAt, b?.connectedAt, c?.connectedAt]).toEqual([900, 200, 300]);
  });
});
