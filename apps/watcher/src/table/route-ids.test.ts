import { describe, expect, it } from "vitest";
import { createRouteIdAllocator } from "./route-ids.js";

const keyed = (...keys: string[]) => keys.map((key) => ({ key }));

describe("createRouteIdAllocator", () => {
  it("numbers new keys from route000 in order", () => {
    const ids = createRouteIdAllocator();
    expect(ids.assign("a.test", keyed("k1", "k2", "k3"))).toEqual(["route000", "route001", "route002"]);
  });

  it("keeps a key's id while it is present and gives a new key the lowest free number", () => {
    const ids = createRouteIdAllocator();
    ids.assign("a.test", keyed("k1", "k2", "k3"));
    expect(ids.assign("a.test", keyed("k3", "k1"))).toEqual(["route002", "route000"]);
    expect(ids.assign("a.test", keyed("k1", "k3", "k4"))).toEqual(["route000", "route002", "route001"]);
  });

  it("keeps pinned ids as they are and moves a keyed route off a pinned id", () => {
    const ids = createRouteIdAllocator();
    ids.assign("a.test", keyed("k1", "k2"));
    const assigned = ids.assign("a.test", [{ key: "api:1", id: "route001" }, { key: "k1" }, { key: "k2" }]);
    expect(assigned).toEqual(["route001", "route000", "route002"]);
  });

  it("keeps endpoints apart and forgets endpoints no longer retained", () => {
    const ids = createRouteIdAllocator();
    ids.assign("a.test", keyed("k1", "k2"));
    expect(ids.assign("b.test", keyed("k2"))).toEqual(["route000"]);
    ids.retain(new Set(["b.test"]));
    expect(ids.assign("a.test", keyed("k2"))).toEqual(["route000"]);
  });

  it("adopts a seed (a new leader continuing a table)", () => {
    const ids = createRouteIdAllocator();
    ids.assign("a.test", keyed("k1", "k2"));
    ids.reset(new Map([["a.test", new Map([["k2", "route000"]])]]));
    expect(ids.assign("a.test", keyed("k1", "k2"))).toEqual(["route001", "route000"]);
  });
});
