import { describe, expect, it } from "vitest";
import type { Backend, Endpoint, RouteTable } from "../model/types.js";
import { diffTables } from "./diff.js";

function endpoint(pattern: string, weight = 100): Endpoint {
  return {
    pattern,
    routes: [
      { id: "route000", selector: `host=${pattern}`, weight, strategy: "round-robin" },
      { id: "route001", selector: "canary", weight: 0, strategy: "random" },
    ],
    filters: [],
  };
}

function backend(id: string, labels: Record<string, string> = { tier: "web", zone: "eu" }): Backend {
  return {
    id,
    service: "/web",
    address: "10.0.0.1:8080",
    labels,
    state: "up",
    source: "agent",
    connectedAt: 1,
  };
}

function table(endpoints: Endpoint[], backends: Backend[]): RouteTable {
  return { version: 1, generatedAt: 1000, endpoints, backends };
}

const before = table(
  [endpoint("a.test"), endpoint("b.test"), endpoint("c.test/api")],
  [backend("b1"), backend("b2"), backend("b3")],
);

describe("diffTables", () => {
  it("lists every key of the next table as changed when there is no previous table", () => {
    expect(diffTables(undefined, before)).toEqual({
      changedEndpoints: ["a.test", "b.test", "c.test/api"],
      removedEndpoints: [],
      changedBackends: ["b1", "b2", "b3"],
      removedBackends: [],
    });
  });

  it("finds nothing between a table and a reordered copy of it", () => {
    const reordered = table(
      before.endpoints.map((e) => ({ ...e, routes: [...e.routes].reverse() })).reverse(),
      before.backends.map((b) => ({ ...b, labels: { zone: "eu", tier: "web" } })).reverse(),
    );
    expect(diffTables(before, { ...reordered, version: 2, generatedAt: 2000 })).toEqual({
      changedEndpoints: [],
      removedEndpoints: [],
      changedBackends: [],
      removedBackends: [],
    });
  });

  it("reports added, changed and removed endpoints and backends", () => {
    const after = table(
      [endpoint("a.test"), endpoint("b.test", 50), endpoint("d.test")],
      [backend("b1"), { ...backend("b2"), state: "draining" }, backend("b4", { tier: "api" })],
    );
    expect(diffTables(before, after)).toEqual({
      changedEndpoints: ["b.test", "d.test"],
      removedEndpoints: ["c.test/api"],
      changedBackends: ["b2", "b4"],
      removedBackends: ["b3"],
    });
  });

  it("sees a changed label value and a changed filter chain", () => {
    const after = table(
      [
        { ...endpoint("a.test"), filters: [{ type: "redirect-https" }] },
        endpoint("b.test"),
        endpoint("c.test/api"),
      ],
      [backend("b1", { tier: "web", zone: "us" }), backend("b2"), backend("b3")],
    );
    const diff = diffTables(before, after);
    expect(diff.changedEndpoints).toEqual(["a.test"]);
    expect(diff.changedBackends).toEqual(["b1"]);
  });
});
