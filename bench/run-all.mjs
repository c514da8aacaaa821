// Runs every benchmark in turn (matcher, proxy, propagation, scale, admin) after the build that
// `npm run bench` does first, streaming each one's output and keeping a copy in
// bench/results/latest.txt. Each bench prints ratios measured side by side in its own run.
// One bench alone: `node bench/<name>/run.mjs` (see the comment at the top of each).
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const benches = [
  { name: "matcher", args: [] },
  { name: "proxy", args: [] },
  { name: "propagation", args: [] },
  { name: "scale", args: ["--expose-gc"] },
  { name: "admin", args: [] },
];
const only = process.argv.slice(2);
const report = [`# Signalbox benchmarks, ${new Date().toISOString()}, node ${process.version}`];
let failed = 0;
for (const bench of benches.filter((b) => only.length === 0 || only.includes(b.name))) {
  process.stdout.write(`\n=== bench/${bench.name}\n`);
  const run = spawnSync(process.execPath, [...bench.args, join(here, bench.name, "run.mjs")], {
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stdout.write(run.stdout ?? "");
  report.push(`\n## bench/${bench.name} (exit ${run.status})\n`, run.stdout ?? "");
  if (run.status !== 0) failed += 1;
}
mkdirSync(join(here, "results"), { recursive: true });
writeFileSync(join(here, "results", "latest.txt"), `${report.join("\n")}\n`);
process.exitCode = failed === 0 ? 0 : 1;
