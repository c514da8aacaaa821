// One router per integration-test file: beforeAll starts the harness (private nats-server and KV
// writer) and a router with the file's variables; afterAll stops them and every backend started here.

import { waitUntil } from "@signalbox/bus/testing";
import type { Backend, Endpoint } from "@signalbox/route-model";
import { afterAll, beforeAll } from "vitest";
import {
  type Handler,
  type Harness,
  startBackend,
  startHarness,
  type TestBackend,
  type TestRouter,
} from "./harness.js";

export interface RouterSuite {
  /** The harness of this file; reading it before beforeAll ran throws. */
  readonly harness: Harness;
  /** The router of this file, started with the variables given to useRouterSuite. */
  readonly router: TestRouter;
  /** Starts a backend on a loopback port 0 that afterAll kills. */
  backend(id: string, handler?: Handler): Promise<TestBackend>;
  /** Publishes a table and waits until this file's router routes by it; resolves with its version. */
  publish(endpoints: Endpoint[], backends: Backend[]): Promise<number>;
}

/** Registers the file's beforeAll/afterAll; call it at the top level of a test file. */
export function useRouterSuite(env: Record<string, string> = {}): RouterSuite {
  let harness: Harness | undefined;
  let router: TestRouter | undefined;
  const backends: TestBackend[] = [];
  beforeAll(async () => {
    harness = await startHarness();
    router = await harness.startRouter(env);
  });
  afterAll(async () => {
    await harness?.stop();
    await Promise.all(backends.map((b) => b.kill()));
  });
  const suite: RouterSuite = {
    get harness() {
      if (harness === undefined) throw new Error("the harness starts in beforeAll");
      return harness;
    },
    get router() {
      if (router === undefined) throw new Error("the router starts in beforeAll");
      return router;
    },
    async backend(id, handler) {
      const started = await startBackend(id, handler);
      backends.push(started);
      return started;
    },
    async publish(endpoints, tableBackends) {
      const version = await suite.harness.publish(endpoints, tableBackends);
      await waitUntil(() => suite.router.tableVersion() === version, `table version ${version}`, 5000);
      return version;
    },
  };
  return suite;
}
