import { describe, expect, it } from "vitest";
import type { Backend, Endpoint } from "../model/types.js";
import { compileTable } from "./compile.js";

// 10k endpoints x 100k backends: each route's selector must find its ~10 backends through the
// label index. A scan of all backends per route would be 20k x 100k selector checks (minutes).
describe("compileTable at scale", () => {
  const appCount = 10_000;
  const backends: Backend[] = Array.from({ length: 100_000 }, (_, i) => {
    const app = `/team${i % 50}/app${i % appCount}`;
    return {
      id: `app${i % appCount}.task-${i}:0`,
      service: app,
      address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:31000`,
      labels: {
        "marathon.app": app,
        "marathon.port-index": "0",
        team: `t${i % 50}`,
        track: i < 90_000 ? "stable" : "canary",
      },
      state: "up",
      source: "marathon",
      connectedAt: 0,
    };
  });
  const endpoints: Endpoint[] = Array.from({ length: appCount }, (_, e) => ({
    pattern: `app${e}.example.com`,
    routes: [
      {
        id: "route000",
        selector: `marathon.app=/team${e % 50}/app${e},track=stable`,
        weight: 90,
        strategy: "round-robin",
      },
      {
        id: "route001",
        selector: `marathon.app=/team${e % 50}/app${e},track in (canary)`,
        weight: 10,
        strategy: "p2c",
      },
    ],
    filters: [],
  }));

  it("compiles 10k endpoints over 100k backends in seconds, each route with exactly its backends", () => {
    const started = performance.now();
    const compiled = compileTable({ version: 1, generatedAt: 0, endpoints, backends }, { random: () => 0.5 });
    const elapsedMs = performance.now() - started;
    expect(compiled.endpoints).toHaveLength(appCount);
    expect(compiled.warnings).toEqual([]);
    const sample = compiled.match("app1234.example.com", "/");
    expect(sample?.routes.map((route) => route.backends.length)).toEqual([9, 1]);
    expect(sample?.routes[1]?.backends[0]?.id).toBe("app1234.task-91234:0");
    expect(elapsedMs).toBeLessThan(10_000);
  });

  it("recompiles one changed backend from the previous compile in milliseconds, sharing every other endpoint", () => {
    const table = {
      version: 1,
      generatedAt: 0,
      endpoints,
      backends: [...backends].sort((a, b) => (a.id < b.id ? -1 : 1)),
    };
    const compiled = compileTable(table, { random: () => 0.5 });
    const at = table.backends.findIndex((b) => b.id === "app1234.task-91234:0");
    const moved = {
      ...(table.backends[at] as Backend),
      labels: { ...table.backends[at]?.labels, track: "stable" },
    };
    const next = { ...table, version: 2, backends: table.backends.map((b, i) => (i === at ? moved : b)) };
    const started = performance.now();
    const incremental = compileTable(
      next,
      { random: () => 0.5 },
      {
        compiled,
        changed: { endpoints: [], backends: [moved.id] },
      },
    );
    const elapsedMs = performance.now() - started;
    expect(
      incremental.match("app1234.example.com", "/")?.routes.map((route) => route.backends.length),
    ).toEqual([10, 0]);
    expect(incremental.endpoints.filter((e, i) => e !== compiled.endpoints[i])).toHaveLength(1);
    expect(incremental.warnings.map((w) => w.routeId)).toEqual(["route001"]);
    expect(elapsedMs).toBeLessThan(1_000);
  });
});
