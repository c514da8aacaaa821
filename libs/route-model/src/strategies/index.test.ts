import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors.js";
import type { Backend } from "../model/types.js";
import { createStrategy, type PickContext, parseStrategy, type StrategySpec } from "./index.js";

function backend(id: string, extra: Partial<Backend> = {}): Backend {
  return {
    id,
    service: "/shop/web",
    address: `10.0.0.1:${id.length}`,
    labels: {},
    state: "up",
    source: "api",
    connectedAt: 0,
    ...extra,
  };
}

interface ContextState {
  down?: Set<string>;
  inFlight?: Record<string, number>;
  slowStart?: Record<string, number>;
  headers?: Record<string, string>;
  cookies?: Record<string, string>;
}

function context(state: ContextState = {}): PickContext {
  return {
    isAvailable: (b) => !state.down?.has(b.id),
    inFlight: (id) => state.inFlight?.[id] ?? 0,
    slowStartFactor: (b) => state.slowStart?.[b.id] ?? 1,
    header: (name) => state.headers?.[name],
    cookie: (name) => state.cookies?.[name],
  };
}

/** Seeded PRNG (mulberry32), so distribution tests are deterministic. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shares(spec: StrategySpec, backends: Backend[], ctx: PickContext, picks: number, seed = 1) {
  const strategy = createStrategy(spec, { random: mulberry32(seed) });
  const counts = new Map<string, number>();
  for (let i = 0; i < picks; i++) {
    const id = strategy.pick(backends, ctx)?.id ?? "none";
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].map(([id, n]) => [id, n / picks]));
}

const abc = [backend("a"), backend("b"), backend("c")];

describe("parseStrategy", () => {
  it.each<[string, StrategySpec]>([
    ["", { kind: "round-robin" }],
    ["round-robin", { kind: "round-robin" }],
    ["least-load", { kind: "least-load" }],
    ["random", { kind: "random" }],
    ["p2c", { kind: "p2c" }],
    ["hash:header:X-User", { kind: "hash", source: "header", name: "x-user" }],
    ["hash:cookie:Session_ID", { kind: "hash", source: "cookie", name: "Session_ID" }],
  ])("parses %j", (name, expected) => {
    expect(parseStrategy(name)).toEqual(expected);
  });

  it.each([
    "roundrobin",
    "RANDOM",
    " p2c",
    "hash",
    "hash:header:",
    "hash:cookie:a b",
    "hash:query:x",
    "hash:header:x:y",
  ])("rejects %j naming the field and the value", (name) => {
    expect(() => parseStrategy(name)).toThrow(ValidationError);
    expect(() => parseStrategy(name)).toThrow(expect.objectContaining({ field: "strategy", value: name }));
  });
});

describe.each<StrategySpec>([
  { kind: "round-robin" },
  { kind: "least-load" },
  { kind: "random" },
  { kind: "p2c" },
  { kind: "hash", source: "header", name: "x-user" },
])("every strategy ($kind)", (spec) => {
  it("picks only available backends and undefined when none is", () => {
    const strategy = createStrategy(spec, { random: mulberry32(3) });
    const ctx = context({ down: new Set(["a", "c"]), headers: { "x-user": "u1" } });
    for (let i = 0; i < 50; i++) expect(strategy.pick(abc, ctx)?.id).toBe("b");
    expect(strategy.pick(abc, context({ down: new Set(["a", "b", "c"]) }))).toBeUndefined();
    expect(strategy.pick([], ctx)).toBeUndefined();
  });
});

describe("round-robin", () => {
  it("rotates evenly and weights by weight times slow-start factor", () => {
    const strategy = createStrategy({ kind: "round-robin" }, { random: () => 0 });
    expect(Array.from({ length: 6 }, () => strategy.pick(abc, context())?.id)).toEqual([
      "a",
      "b",
      "c",
      "a",
      "b",
      "c",
    ]);
    const weighted = [backend("a", { weight: 3 }), backend("b"), backend("c", { weight: 0 })];
    expect(shares({ kind: "round-robin" }, weighted, context(), 100_000)).toEqual({ a: 0.75, b: 0.25 });
    const ramping = context({ slowStart: { a: 0.5 } });
    expect(shares({ kind: "round-robin" }, weighted, ramping, 100_000)).toEqual({ a: 0.6, b: 0.4 });
  });
});

describe("random", () => {
  it("splits 100k picks within 1% of weight times slow-start factor", () => {
    const backends = [
      backend("a", { weight: 3 }),
      backend("b", { weight: 2 }),
      backend("c"),
      backend("d", { weight: 0 }),
    ];
    const split = shares({ kind: "random" }, backends, context({ slowStart: { b: 0.5 } }), 100_000, 42);
    expect(split.d).toBeUndefined();
    expect(Math.abs((split.a ?? 0) - 3 / 5)).toBeLessThan(0.01);
    expect(Math.abs((split.b ?? 0) - 1 / 5)).toBeLessThan(0.01);
    expect(Math.abs((split.c ?? 0) - 1 / 5)).toBeLessThan(0.01);
  });
});

describe("least-load", () => {
  const loaded = [
    backend("a", { load: 40 }),
    backend("b", { load: 10 }),
    backend("c", { load: 10 }),
    backend("d"),
  ];

  it("picks the lowest load, ties by in-flight requests", () => {
    const strategy = createStrategy({ kind: "least-load" }, { random: () => 0 });
    expect(strategy.pick(loaded, context({ inFlight: { b: 3, c: 1 } }))?.id).toBe("c");
    expect(strategy.pick(loaded, context({ inFlight: { b: 1, c: 3 } }))?.id).toBe("b");
    expect(strategy.pick(loaded, context({ down: new Set(["b", "c"]) }))?.id).toBe("a");
    expect(strategy.pick(loaded, context({ inFlight: { b: 1, c: 1 }, slowStart: { c: 0.25 } }))?.id).toBe(
      "b",
    );
  });

  it("rotates round-robin among backends still tied", () => {
    const strategy = createStrategy({ kind: "least-load" }, { random: () => 0 });
    const tied = [
      backend("a", { load: 40 }),
      backend("b", { load: 10 }),
      backend("c", { load: 50 }),
      backend("d", { load: 10 }),
    ];
    const ids = Array.from({ length: 6 }, () => strategy.pick(tied, context())?.id);
    expect(ids).toEqual(["b", "d", "b", "d", "b", "d"]);
  });

  it("ranks a backend without a reported load after those with one", () => {
    const strategy = createStrategy({ kind: "least-load" }, { random: () => 0 });
    expect(strategy.pick([backend("x"), backend("y", { load: 99 })], context())?.id).toBe("y");
    expect(strategy.pick(loaded, context({ down: new Set(["a", "b", "c"]) }))?.id).toBe("d");
  });
});

describe("p2c", () => {
  const four = [backend("a"), backend("b"), backend("c"), backend("d")];

  it("picks the less busy of two distinct random backends", () => {
    const draws = [0.1, 0.9, 0.9, 0.1];
    const strategy = createStrategy({ kind: "p2c" }, { random: () => draws.shift() ?? 0 });
    const ctx = context({ inFlight: { a: 5, d: 2 } });
    expect(strategy.pick(four, ctx)?.id).toBe("d"); // draws a, then d (index 2 of the 3 others)
    expect(strategy.pick(four, ctx)?.id).toBe("d"); // draws d, then a
  });

  it("never picks the busiest backend and splits the rest evenly within 1% over 100k picks", () => {
    const split = shares(
      { kind: "p2c" },
      four,
      context({ inFlight: { a: 9, b: 1, c: 1, d: 1 } }),
      100_000,
      9,
    );
    expect(split.a).toBeUndefined();
    for (const id of ["b", "c", "d"]) expect(Math.abs((split[id] ?? 0) - 1 / 3), id).toBeLessThan(0.01);
  });

  it("splits idle backends evenly within 1% over 100k picks", () => {
    const split = shares({ kind: "p2c" }, four, context(), 100_000, 5);
    for (const id of ["a", "b", "c", "d"]) expect(Math.abs((split[id] ?? 0) - 1 / 4), id).toBeLessThan(0.01);
  });
});

describe("consistent hash", () => {
  const spec: StrategySpec = { kind: "hash", source: "header", name: "x-user" };
  const ten = Array.from({ length: 10 }, (_, i) => backend(`task-${i}:0`));
  const keys = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);

  function assign(backends: Backend[], down = new Set<string>()) {
    const strategy = createStrategy(spec, { random: () => 0 });
    const headers: Record<string, string> = {};
    const ctx = context({ headers, down });
    return keys.map((key) => {
      headers["x-user"] = key;
      return strategy.pick(backends, ctx)?.id;
    });
  }

  it("spreads keys over the backends and keeps each key on its backend", () => {
    const before = assign(ten);
    const counts = new Map<string | undefined, number>();
    for (const id of before) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect(counts.size).toBe(10);
    for (const n of counts.values()) expect(Math.abs(n / keys.length - 0.1)).toBeLessThan(0.03);
    expect(assign(ten.toReversed())).toEqual(before);
  });

  it.each([
    [
      "removed from the list",
      (gone: string) => ({ backends: ten.filter((b) => b.id !== gone), down: new Set<string>() }),
    ],
    ["unavailable", (gone: string) => ({ backends: ten, down: new Set([gone]) })],
  ])("moves at most 1/N + 2%% of 100k keys, only the gone backend's, when one of 10 is %s", (_, after) => {
    const before = assign(ten);
    const gone = "task-3:0";
    const { backends, down } = after(gone);
    const next = assign(backends, down);
    let moved = 0;
    next.forEach((id, i) => {
      if (id === before[i]) return;
      moved++;
      expect(before[i]).toBe(gone);
    });
    expect(next).not.toContain(gone);
    expect(moved / keys.length).toBeGreaterThan(0.05);
    expect(moved / keys.length).toBeLessThanOrEqual(0.1 + 0.02);
  });

  it("reads the key from a cookie and falls back to round-robin without one", () => {
    const strategy = createStrategy({ kind: "hash", source: "cookie", name: "sid" }, { random: () => 0 });
    const pinned = strategy.pick(abc, context({ cookies: { sid: "abc123" } }))?.id;
    for (let i = 0; i < 5; i++)
      expect(strategy.pick(abc, context({ cookies: { sid: "abc123" } }))?.id).toBe(pinned);
    expect(Array.from({ length: 3 }, () => strategy.pick(abc, context())?.id).toSorted()).toEqual([
      "a",
      "b",
      "c",
    ]);
  });

  it("builds the ring once per backends array, not per pick", () => {
    const many = Array.from({ length: 2000 }, (_, i) => backend(`b${i}`));
    const strategy = createStrategy(spec, { random: () => 0 });
    const headers: Record<string, string> = {};
    const ctx = context({ headers });
    strategy.pick(many, context({ headers: { "x-user": "warm" } }));
    const started = performance.now();
    for (let i = 0; i < 20_000; i++) {
      headers["x-user"] = `k${i}`;
      strategy.pick(many, ctx);
    }
    // A rebuild costs 320k hashes and a sort (tens of ms): 20k of them would take minutes.
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
