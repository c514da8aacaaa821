// The routes-file provider against a real directory: reload on change, a broken file
// keeps the last good one (the log names the line), delete / re-create / atomic rename.

import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "@signalbox/backoff/testing";
import { captureLogger } from "@signalbox/bus/testing";
import { afterEach, describe, expect, it } from "vitest";
import { createWatcherMetrics } from "../src/metrics.js";
import { createFileProvider } from "../src/providers/file/file-provider.js";
import type { ProviderSnapshot } from "../src/providers/provider.js";
import { driveUntil, realDelay } from "./drive-clock.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const routes = (host: string, weight = 100) => `endpoints:
  - pattern: ${host}
    routes:
      - selector: app=${host.split(".")[0]}
        weight: ${weight}
backends:
  - service: ${host}
    address: 127.0.0.1:8080
    labels: { app: ${host.split(".")[0]} }
`;

async function runFileProvider(initial?: string) {
  const dir = await mkdtemp(join(tmpdir(), "sb-routes-"));
  const path = join(dir, "routes.yaml");
  if (initial !== undefined) await writeFile(path, initial);
  const clock = new ManualClock(1_700_000_000_000);
  const log = captureLogger();
  const snapshots: ProviderSnapshot[] = [];
  const controller = new AbortController();
  const provider = createFileProvider({
    path,
    clock,
    logger: log.logger,
    metrics: createWatcherMetrics(),
    debounceMs: 50,
    resyncMs: 60_000,
  });
  const done = provider.run((snapshot) => snapshots.push(snapshot), controller.signal);
  cleanups.push(async () => {
    controller.abort();
    await done;
    await rm(dir, { recursive: true, force: true });
  });
  const patterns = () => snapshots.at(-1)?.endpoints.map((e) => e.pattern);
  return { dir, path, clock, log, snapshots, patterns };
}

describe("routes file provider", () => {
  it("loads the file and reloads it when it changes", async () => {
    const run = await runFileProvider(routes("a.test"));
    await driveUntil(run.clock, () => run.snapshots.length === 1, "first load");
    expect(run.patterns()).toEqual(["a.test"]);
    expect(run.snapshots[0]?.backends[0]?.source).toBe("file");

    await writeFile(run.path, routes("b.test"));
    await driveUntil(run.clock, () => run.patterns()?.[0] === "b.test", "reload");
    expect(run.snapshots).toHaveLength(2);
  });

  it("keeps the last good file when the new one is broken, and logs the line and the reason", async () => {
    const run = await runFileProvider(routes("a.test"));
    await driveUntil(run.clock, () => run.snapshots.length === 1, "first load");
    await writeFile(run.path, routes("a.test", 20_000));
    await driveUntil(run.clock, () => run.log.find("keeping the last good routes").length === 1, "error log");
    const error = run.log.find("keeping the last good routes")[0];
    expect(error?.line).toBe(5);
    expect(String(error?.reason)).toContain("weight 20000");
    expect(error?.msg).toContain("routes.yaml:5");
    expect(run.snapshots).toHaveLength(1);

    await writeFile(run.path, routes("c.test"));
    await driveUntil(run.clock, () => run.patterns()?.[0] === "c.test", "recovery");
  });

  it("keeps the last good routes while the file is deleted, and reads it again when re-created", async () => {
    const run = await runFileProvider(routes("a.test"));
    await driveUntil(run.clock, () => run.snapshots.length === 1, "first load");
    await rm(run.path);
    await driveUntil(run.clock, () => run.log.find("unreadable").length === 1, "missing log");
    expect(run.snapshots).toHaveLength(1);

    await writeFile(run.path, routes("d.test"));
    await driveUntil(run.clock, () => run.patterns()?.[0] === "d.test", "re-created file");
  });

  it("sees an atomic rename over the file", async () => {
    const run = await runFileProvider(routes("a.test"));
    await driveUntil(run.clock, () => run.snapshots.length === 1, "first load");
    const temp = join(run.dir, ".routes.yaml.tmp");
    await writeFile(temp, routes("e.test"));
    await rename(temp, run.path);
    await driveUntil(run.clock, () => run.patterns()?.[0] === "e.test", "renamed file");
  });

  it("emits nothing new when the file is rewritten unchanged", async () => {
    const run = await runFileProvider(routes("a.test"));
    await driveUntil(run.clock, () => run.snapshots.length === 1, "first load");
    await writeFile(run.path, routes("a.test"));
    await realDelay(50);
    run.clock.advance(60_000); // and a resync
    await realDelay(50);
    await driveUntil(run.clock, () => false, "settling", { timeoutMs: 100 }).catch(() => undefined);
    expect(run.snapshots).toHaveLength(1);
  });

  it("emits nothing while the file is missing at start, then loads it once it appears", async () => {
    const run = await runFileProvider();
    await driveUntil(run.clock, () => run.log.find("unreadable").length === 1, "missing log");
    await realDelay(20);
    expect(run.snapshots).toEqual([]);
    await writeFile(run.path, routes("f.test"));
    await driveUntil(run.clock, () => run.patterns()?.[0] === "f.test", "late file");
  });

  it("emits nothing for a file broken from the start", async () => {
    const run = await runFileProvider("endpoints: [\n");
    await driveUntil(run.clock, () => run.log.find("keeping the last good routes").length === 1, "error log");
    await realDelay(20);
    expect(run.snapshots).toEqual([]);
  });
});
