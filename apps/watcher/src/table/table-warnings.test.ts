import { captureLogger } from "@signalbox/bus/testing";
import { type Backend, diffTables, type RouteTable } from "@signalbox/route-model";
import { describe, expect, it } from "vitest";
import { createTableWarnings } from "./table-warnings.js";

const backend = (id: string, app: string): Backend => ({
  id,
  service: app,
  address: "127.0.0.1:80",
  labels: { app },
  state: "up",
  source: "file",
  connectedAt: 1,
});
const table = (version: number, backends: Backend[]): RouteTable => ({
  version,
  generatedAt: 0,
  endpoints: [
    {
      pattern: "a.test",
      filters: [],
      routes: [{ id: "route000", selector: "app=a", weight: 100, strategy: "round-robin" }],
    },
  ],
  backends,
});
const warned = (logs: ReturnType<typeof captureLogger>) =>
  logs.lines.filter((line) => line.msg === "route table warning").map((line) => line.warning);

describe("createTableWarnings", () => {
  it("logs each warning once, and follows the tables' changes as a full compile would", () => {
    const logs = captureLogger();
    const warnings = createTableWarnings({ logger: logs.logger, random: () => 0.5 });
    const empty = table(1, [backend("b1", "b")]);
    warnings.follow(empty);
    warnings.collect(["merge said so"]);
    warnings.collect(["merge said so"]);
    const unpickable = 'route route000 of a.test: selector "app=a" matches no backend';
    expect(warned(logs)).toEqual(["merge said so", unpickable]);

    const served = table(2, [backend("a1", "a"), backend("b1", "b")]);
    warnings.follow(served, diffTables(empty, served));
    warnings.collect([]);
    const emptyAgain = table(3, [backend("b1", "b")]);
    warnings.follow(emptyAgain, diffTables(served, emptyAgain));
    warnings.collect([]);
    // Gone after a1 came, and logged again once a1 left.
    expect(warned(logs)).toEqual(["merge said so", unpickable, unpickable]);
  });

  it("compiles in full after a table without a diff (a resumed or followed one)", () => {
    const logs = captureLogger();
    const warnings = createTableWarnings({ logger: logs.logger, random: () => 0.5 });
    warnings.follow(table(1, [backend("a1", "a")]));
    warnings.collect([]);
    warnings.follow(table(7, []));
    warnings.collect([]);
    expect(warned(logs)).toEqual(['route route000 of a.test: selector "app=a" matches no backend']);
  });
});
