import { describe, expect, it } from "vitest";
import type { Backend, Endpoint, Route, RouteTable } from "../model/types.js";
import { compareText } from "./canonical.js";
import { type CompiledTable, compileTable, type TableChanges } from "./compile.js";
import { diffTables } from "./diff.js";

const deps = { random: () => 0.5 };

/** Deterministic [0, 1) numbers from a seed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const APPS = ["a", "b", "c", "d"];
const SELECTORS = [
  "app=a",
  "app=b,tier=web",
  "app in (c,d)",
  "tier=api,!canary",
  "canary",
  "zone!=z1",
  "",
  "app=gone",
  "a=(",
];
const PATTERNS = [
  "a.test",
  "A.test/",
  "b.test/api",
  "*.test",
  "*.x.test/v1",
  "c.test",
  "bad pattern!",
  "d.test/x/y",
];
const STRATEGIES = ["round-robin", "p2c", "hash:header:x-user", "fastest"];
const HOSTS: [string, string][] = [
  ["a.test", "/"],
  ["b.test", "/api/1"],
  ["q.test", "/"],
  ["y.x.test", "/v1/z"],
  ["c.test", "/"],
  ["d.test", "/x/y/z"],
  ["none.example", "/"],
];

function makeBackend(random: () => number, n: number): Backend {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  const labels: Record<string, string> = {
    app: pick(APPS),
    tier: pick(["web", "api"]),
    zone: pick(["z1", "z2"]),
  };
  if (random() < 0.2) labels.canary = "true";
  return {
    id: `b${String(n).padStart(3, "0")}`,
    service: "svc",
    address: `10.0.0.${n % 250}:80`,
    labels,
    state: random() < 0.9 ? "up" : "draining",
    source: "agent",
    connectedAt: 0,
  };
}

function makeRoute(random: () => number, id: number): Route {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  return {
    id: `route${String(id).padStart(3, "0")}`,
    selector: pick(SELECTORS),
    weight: pick([0, 10, 90, 100, 20_000]),
    strategy: pick(STRATEGIES),
  };
}

function makeEndpoint(random: () => number, pattern: string): Endpoint {
  const count = Math.floor(random() * 3);
  return { pattern, routes: Array.from({ length: count }, (_, i) => makeRoute(random, i)), filters: [] };
}

/** Backends sorted by id and endpoints by pattern, as KV readers give them. */
function sorted(table: RouteTable): RouteTable {
  return {
    ...table,
    endpoints: [...table.endpoints].sort((a, b) => compareText(a.pattern, b.pattern)),
    backends: [...table.backends].sort((a, b) => compareText(a.id, b.id)),
  };
}

function generateTable(random: () => number): RouteTable {
  const backends = Array.from({ length: 30 }, (_, n) => makeBackend(random, n));
  const endpoints = PATTERNS.filter(() => random() < 0.7).map((pattern) => makeEndpoint(random, pattern));
  return sorted({ version: 1, generatedAt: 0, endpoints, backends });
}

/** `table` with one to three random changes; new objects for what changed only. */
function change(table: RouteTable, random: () => number, nextId: () => number): RouteTable {
  let { endpoints, backends } = table;
  for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
    const at = Math.floor(random() * Math.max(1, backends.length));
    const endpointAt = Math.floor(random() * Math.max(1, endpoints.length));
    const endpoint = endpoints[endpointAt];
    const choice = random();
    if (choice < 0.2) backends = [...backends, makeBackend(random, nextId())];
    else if (choice < 0.35) backends = backends.filter((_, i) => i !== at);
    else if (choice < 0.55) {
      backends = backends.map((b, i) => (i === at ? { ...makeBackend(random, 0), id: b.id } : b));
    } else if (choice < 0.6) backends = backends.map((b, i) => (i === at ? { ...b } : b));
    else if (choice < 0.75 && endpoint !== undefined) {
      const routes = [...endpoint.routes];
      const routeAt = Math.floor(random() * (routes.length + 1));
      if (random() < 0.5 && routes.length > 0) routes.splice(routeAt, 1);
      else routes.splice(routeAt, 1, makeRoute(random, routeAt));
      endpoints = endpoints.map((e) => (e === endpoint ? { ...e, routes } : e));
    } else if (choice < 0.82 && endpoint !== undefined) {
      endpoints = endpoints.map((e) => (e === endpoint ? { ...e, filters: [{ type: "strip-prefix" }] } : e));
    } else if (choice < 0.9) {
      const free = PATTERNS.filter((pattern) => !endpoints.some((e) => e.pattern === pattern));
      const pattern = free[Math.floor(random() * free.length)];
      if (pattern !== undefined) endpoints = [...endpoints, makeEndpoint(random, pattern)];
    } else {
      endpoints = endpoints.filter((e) => e !== endpoint);
    }
  }
  return sorted({ ...table, version: table.version + 1, endpoints, backends });
}

function changesBetween(prev: RouteTable, next: RouteTable): TableChanges {
  const diff = diffTables(prev, next);
  return {
    endpoints: [...diff.changedEndpoints, ...diff.removedEndpoints],
    backends: [...diff.changedBackends, ...diff.removedBackends],
  };
}

/** What a compiled table answers, in plain values. */
function answers(compiled: CompiledTable) {
  return {
    version: compiled.version,
    hash: compiled.hash,
    endpoints: compiled.endpoints.map((e) => ({
      pattern: e.endpoint.pattern,
      routes: e.routes.map((r) => ({ route: r.route, backends: r.backends.map((b) => b.id) })),
    })),
    matches: HOSTS.map(([host, path]) => compiled.match(host, path)?.endpoint.pattern),
    backends: [...compiled.backendsById.entries()]
      .map(([id, backend]) => [id, backend])
      .sort((a, b) => compareText(a[0] as string, b[0] as string)),
    warnings: compiled.warnings,
  };
}

describe("compileTable with a previous compile", () => {
  it.each(Array.from({ length: 12 }, (_, seed) => seed + 1))(
    "answers like a full compile after each of 40 random changes in a row (seed %i)",
    (seed) => {
      const random = seeded(seed);
      let id = 1000;
      let table = generateTable(random);
      let compiled = compileTable(table, deps);
      for (let step = 0; step < 40; step++) {
        const next = change(table, random, () => id++);
        const incremental = compileTable(next, deps, { compiled, changed: changesBetween(table, next) });
        expect(answers(incremental)).toEqual(answers(compileTable(next, deps)));
        table = next;
        compiled = incremental;
      }
    },
  );

  const base: RouteTable = {
    version: 1,
    generatedAt: 0,
    endpoints: [
      {
        pattern: "a.test",
        routes: [{ id: "route000", selector: "app=a", weight: 1, strategy: "round-robin" }],
        filters: [],
      },
      {
        pattern: "b.test",
        routes: [{ id: "route000", selector: "app=b", weight: 1, strategy: "round-robin" }],
        filters: [],
      },
      {
        pattern: "c.test",
        routes: [{ id: "route000", selector: "app=c", weight: 1, strategy: "round-robin" }],
        filters: [],
      },
    ],
    backends: ["a1", "a2", "b1", "c1"].map((id) => ({
      id,
      service: "svc",
      address: "10.0.0.1:80",
      labels: { app: id.slice(0, 1) },
      state: "up",
      source: "agent",
      connectedAt: 0,
    })),
  };

  it("compiles again only the endpoints whose routes a changed backend touches", () => {
    const compiled = compileTable(base, deps);
    const a2 = { ...(base.backends[1] as Backend), state: "draining" as const };
    const next = { ...base, version: 2, backends: base.backends.map((b) => (b.id === "a2" ? a2 : b)) };
    const incremental = compileTable(next, deps, { compiled, changed: { endpoints: [], backends: ["a2"] } });
    expect(incremental.endpoints[0]).not.toBe(compiled.endpoints[0]);
    expect(incremental.endpoints[0]?.routes[0]?.backends).toEqual([base.backends[0], a2]);
    expect(incremental.endpoints[1]).toBe(compiled.endpoints[1]);
    expect(incremental.endpoints[2]).toBe(compiled.endpoints[2]);
    expect(incremental.backendsById.get("a2")).toBe(a2);
    expect(incremental.version).toBe(2);
    expect(incremental.table).toBe(next);
  });

  it("keeps every compiled endpoint when only an endpoint's filters change, but that endpoint's", () => {
    const compiled = compileTable(base, deps);
    const b = { ...(base.endpoints[1] as Endpoint), filters: [{ type: "strip-prefix" as const }] };
    const next = {
      ...base,
      version: 2,
      endpoints: base.endpoints.map((e) => (e.pattern === "b.test" ? b : e)),
    };
    const incremental = compileTable(next, deps, {
      compiled,
      changed: { endpoints: ["b.test"], backends: [] },
    });
    expect(
      incremental.endpoints.map((e) => e === compiled.endpoints[incremental.endpoints.indexOf(e)]),
    ).toEqual([true, false, true]);
    expect(incremental.match("b.test", "/")?.endpoint).toBe(b);
    expect(incremental.match("b.test", "/")?.routes[0]).toBe(compiled.endpoints[1]?.routes[0]);
  });

  it.each<[string, RouteTable, TableChanges]>([
    [
      "backends not sorted by id",
      {
        ...base,
        backends: [...base.backends]
          .reverse()
          .map((b) => (b.id === "a1" ? { ...b, labels: { app: "b" } } : b)),
      },
      { endpoints: [], backends: ["a1"] },
    ],
    [
      "a removal that is not listed",
      { ...base, backends: base.backends.filter((b) => b.id !== "b1") },
      { endpoints: [], backends: [] },
    ],
    [
      "an endpoint gone without being listed",
      { ...base, endpoints: base.endpoints.slice(1).map((e) => ({ ...e })) },
      { endpoints: ["b.test"], backends: [] },
    ],
  ])("answers like a full compile when the changes cannot be used: %s", (_what, next, changed) => {
    const compiled = compileTable(base, deps);
    expect(answers(compileTable(next, deps, { compiled, changed }))).toEqual(
      answers(compileTable(next, deps)),
    );
  });

  it("answers like a full compile while selectors keep changing, dropping the ones no route uses", () => {
    let table: RouteTable = {
      ...base,
      endpoints: Array.from({ length: 10 }, (_, e) => ({
        pattern: `e${e}.test`,
        routes: [{ id: "route000", selector: "app=a", weight: 1, strategy: "round-robin" }],
        filters: [],
      })),
    };
    let compiled = compileTable(table, deps);
    for (let step = 0; step < 30; step++) {
      const endpoints = table.endpoints.map((e, i) => ({
        ...e,
        routes: [{ id: "route000", selector: `app in (a,b),step${step}!=x${i}`, weight: 1, strategy: "p2c" }],
      }));
      const a3 = { ...(base.backends[0] as Backend), id: `a3-${step}` };
      const next = {
        ...table,
        version: step + 2,
        endpoints,
        backends: [...table.backends, a3].sort((x, y) => compareText(x.id, y.id)),
      };
      compiled = compileTable(next, deps, { compiled, changed: changesBetween(table, next) });
      expect(answers(compiled)).toEqual(answers(compileTable(next, deps)));
      table = next;
    }
  });
});
