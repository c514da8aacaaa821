// Endpoint lookup throughput of @signalbox/route-model at 10 and at 10,000 endpoints (issue 2).
//
// How to run: from the repository root, `npm run build && node bench/matcher/run.mjs` (the script
// imports the built package from libs/route-model/dist; `npx tsc -p libs/route-model/tsconfig.build.json`
// builds just that package). It builds two endpoint indexes from the same mix of patterns (exact hosts,
// `*.` wildcards at two depths, path prefixes up to three segments deep), replays a fixed set of
// requests against each (hits on every kind, fallbacks from exact host to wildcard, and misses), and
// after a warm-up runs several timed rounds alternating between the two sizes so both see the same
// machine load. It prints the median lookups per second of each and the ratio of their costs per
// lookup: the index is a host map plus a per-host path trie, so the target is a ratio near 1. A third
// case replays requests aimed at only 10 of the 10,000 endpoints: it separates the cost of the index's
// size (none expected) from CPU cache misses caused by a wider working set of hosts.
import { createEndpointIndex } from "@signalbox/route-model";

const REQUESTS = 4096;
const WARMUP_ROUNDS = 2;
const ROUNDS = 9;
const ROUND_MS = 300;
const SEGMENTS = ["api", "blog", "v1", "v2", "static", "assets", "users", "orders"];

/** Seeded PRNG (mulberry32): the same patterns and requests on every run. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomPath(random, maxDepth) {
  const depth = Math.floor(random() * (maxDepth + 1));
  const parts = Array.from({ length: depth }, () => SEGMENTS[Math.floor(random() * SEGMENTS.length)]);
  return `/${parts.join("/")}`;
}

/** count patterns: 60% exact hosts, 30% `*.zoneN.example.com`, 10% `*.example.com`, half with a path. */
function buildPatterns(count, random) {
  const zones = Math.max(1, Math.floor(count / 20));
  return Array.from({ length: count }, (_, i) => {
    const kind = random();
    const path = random() < 0.5 ? "" : randomPath(random, 3);
    const suffix = path === "/" ? "" : path;
    if (kind < 0.6) return `svc${i}.zone${i % zones}.example.com${suffix}`;
    if (kind < 0.9) return `*.zone${Math.floor(random() * zones)}.example.com${suffix}`;
    return `*.example.com${suffix}`;
  });
}

/** Requests aimed at the patterns (exact and wildcard hosts, deeper paths) plus 10% misses. */
function buildRequests(patterns, random) {
  return Array.from({ length: REQUESTS }, () => {
    if (random() < 0.1) return { host: "unknown.example.org", path: randomPath(random, 3) };
    const pattern = patterns[Math.floor(random() * patterns.length)];
    const slash = pattern.indexOf("/");
    const host = slash === -1 ? pattern : pattern.slice(0, slash);
    const prefix = slash === -1 ? "" : pattern.slice(slash);
    const requestHost = host.startsWith("*.") ? `web${Math.floor(random() * 100)}.${host.slice(2)}` : host;
    return { host: requestHost, path: `${prefix}${randomPath(random, 2)}` };
  });
}

/** Lookups per second over one round of ROUND_MS; `sink` keeps the results observable. */
function timeRound(index, requests, sink) {
  let lookups = 0;
  const started = performance.now();
  let elapsed = 0;
  do {
    for (const { host, path } of requests) {
      if (index.match(host, path) !== undefined) sink.hits++;
    }
    lookups += requests.length;
    elapsed = performance.now() - started;
  } while (elapsed < ROUND_MS);
  return (lookups / elapsed) * 1000;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function indexOf(patterns) {
  return createEndpointIndex(patterns.map((pattern, value) => ({ pattern, value })));
}

const random = mulberry32(20_240_601);
const smallPatterns = buildPatterns(10, random);
const largePatterns = buildPatterns(10_000, random);
const largeIndex = indexOf(largePatterns);
const cases = [
  { label: "10 endpoints", index: indexOf(smallPatterns), requests: buildRequests(smallPatterns, random) },
  { label: "10,000 endpoints", index: largeIndex, requests: buildRequests(largePatterns, random) },
  {
    label: "10,000 endpoints, requests for 10",
    index: largeIndex,
    requests: buildRequests(largePatterns.slice(0, 10), random),
  },
].map((c) => ({ ...c, rates: [] }));

const sink = { hits: 0 };
for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
  for (const c of cases) {
    const rate = timeRound(c.index, c.requests, sink);
    if (round >= WARMUP_ROUNDS) c.rates.push(rate);
  }
}

const format = (n) => Math.round(n).toLocaleString("en-US");
console.log(
  `median of ${ROUNDS} rounds of ${ROUND_MS} ms after ${WARMUP_ROUNDS} warm-up rounds, ${REQUESTS} distinct requests`,
);
for (const c of cases) {
  c.median = median(c.rates);
  console.log(`${c.label.padEnd(34)} ${format(c.median).padStart(12)} lookups/s`);
}
const [small, large, narrow] = cases;
console.log(
  `cost per lookup, 10,000 vs 10 endpoints: ${(small.median / large.median).toFixed(2)}x (target: about 1x)`,
);
console.log(`same, with requests for 10 endpoints:    ${(small.median / narrow.median).toFixed(2)}x`);
console.log(`(${format(sink.hits)} lookups matched an endpoint)`);
