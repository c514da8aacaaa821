// Shared vitest settings: tests import workspace packages from their TypeScript
// sources (the "@signalbox/source" export condition), so a unit test never
// needs a prior build; processes spawned by integration tests use dist/.
import { defineConfig } from "vitest/config";

export const sourceConditions = ["@signalbox/source", "node", "import", "module", "default"];

export function sharedConfig(overrides: { testTimeout?: number; include?: string[] } = {}) {
  return defineConfig({
    resolve: { conditions: sourceConditions },
    ssr: { resolve: { conditions: sourceConditions, externalConditions: sourceConditions } },
    test: {
      include: overrides.include ?? ["src/**/*.test.ts", "test/**/*.test.ts"],
      testTimeout: overrides.testTimeout ?? 20_000,
      hookTimeout: 30_000,
      pool: "forks",
      // The JSON report feeds scripts/test-summary.mjs, which closes `npm test` with the totals.
      reporters: ["default", ["json", { outputFile: "test-results.json" }]],
    },
  });
}
