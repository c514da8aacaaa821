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

  it("finds an insertion, a change and a removal in sorted tables that share most entries", () => {
    const many = Array.from({ length: 1000 }, (_, n) => backend(`b${String(n).padStart(4, "0")}`));
    const next = [...many];
    next.splice(700, 1);
    next.splice(400, 0, backend("b0399x"));
    next[10] = { ...(next[10] as Backend), state: "down" };
    next[900] = { ...(next[900] as Backend) };
    expect(diffTables(table([], many), table([], next))).toEqual({
      changedEndpoints: [],
      removedEndpoints: [],
      changedBackends: ["b0010", "b0399x"],
      removedBackends: ["b0700"],
    });
  });

  it("gives the same answer whatever the order of either table", () => {
    const after = table(
      [endpoint("d.test"), endpoint("b.test", 50), endpoint("a.test")],
      [backend("b4", { tier: "api" }), { ...backend("b2"), state: "draining" }, backend("b1")],
    );
    const expected = {
      changedEndpoints: ["b.test", "d.test"],
      removedEndpoints: ["c.test/api"],
      changedBackends: ["b2", "b4"],
      removedBackends: ["b3"],
    };
    expect(diffTables(before, after)).toEqual(expected);
    const reversed = table([...before.endpoints].reverse(), [...before.backends].reverse());
    expect(diffTables(reversed, after)).toEqual(expected);
  });
});
