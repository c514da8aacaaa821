// Closes `npm test` with one line of totals over every package's vitest JSON report
// (test-results.json, written by vitest.shared.ts), after Nx ran each package's tests.
// `--reset` (npm's pretest) removes the reports of an earlier run first.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const reports = ["libs", "apps"].flatMap((group) =>
  readdirSync(group).map((name) => join(group, name, "test-results.json")),
);
if (process.argv.includes("--reset")) {
  for (const file of reports) rmSync(file, { force: true });
  process.exit(0);
}

let passed = 0;
let failed = 0;
let skipped = 0;
let packages = 0;
for (const file of reports.filter((report) => existsSync(report))) {
  const report = JSON.parse(readFileSync(file, "utf8"));
  packages += 1;
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
}
console.log(`\n${packages} packages`);
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
