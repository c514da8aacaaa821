// 1,000 backends probed through the real probes and loop, within the concurrency bound: a
// loopback server counts the connections open at once.
import { once } from "node:events";
import { createServer } from "node:net";
import { systemClock } from "@signalbox/backoff";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createConcurrencyLimiter } from "../src/probes/concurrency-limiter.js";
import { grpcCheckProbe } from "../src/probes/grpc-probe.js";
import { followGrpcWatch } from "../src/probes/grpc-watch.js";
import { httpProbe } from "../src/probes/http-probe.js";
import { createProbeLoop } from "../src/probes/probe-loop.js";
import type { ProbeResult, ProbeTarget } from "../src/probes/probe-target.js";
import { tcpProbe } from "../src/probes/tcp-probe.js";

const CONCURRENCY = 16;
const BACKENDS = 1000;

describe("1,000 backends", () => {
  it(`are all probed with at most ${CONCURRENCY} connections open at once`, async () => {
    let open = 0;
    let maxOpen = 0;
    let accepted = 0;
    // A slow HTTP/1.1 backend: answers after 5 ms, then closes (the probe asked it to).
    const server = createServer((socket) => {
      accepted += 1;
      open += 1;
      // Counted once this turn's I/O events are handled: a connection whose close is in the
      // same batch as this accept was already gone.
      setImmediate(() => {
        maxOpen = Math.max(maxOpen, open);
      });
      // The client hanging up (its FIN) ends the connection for this count.
      socket.once("end", () => {
        open -= 1;
      });
      socket.on("error", () => {});
      socket.once("data", () => {
        setTimeout(
          () => socket.end("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"),
          5,
        );
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const address = server.address();
    if (!address || typeof address === "string") throw new Error("no address");

    const results = new Map<string, ProbeResult>();
    const targets: ProbeTarget[] = Array.from({ length: BACKENDS }, (_, i) => ({
      id: `b${i}`,
      service: `/svc${i % 10}`,
      address: `127.0.0.1:${address.port}`,
      kind: i % 2 === 0 ? "http" : "tcp",
      httpPath: "/health",
      grpcService: "",
      heldOut: false,
    }));
    const limiter = createConcurrencyLimiter(CONCURRENCY);
    const loop = createProbeLoop({
      clock: systemClock,
      random: Math.random,
      limiter,
      probes: { http: httpProbe, tcp: tcpProbe, grpc: grpcCheckProbe },
      watch: followGrpcWatch,
      intervalMs: 60_000,
      timeoutMs: 5_000,
      thresholds: { rise: 2, fall: 3 },
      onStatus: () => {},
      onResult: (t, result) => results.set(t.id, result),
      logger: pino({ level: "silent" }),
    });
    try {
      loop.setTargets(targets);
      expect(limiter.active).toBeLessThanOrEqual(CONCURRENCY);
      await expect.poll(() => results.size, { timeout: 15_000, interval: 20 }).toBe(BACKENDS);
      expect([...results.values()].every((result) => result.ok)).toBe(true);
      expect(accepted).toBe(BACKENDS);
      expect(maxOpen).toBeLessThanOrEqual(CONCURRENCY);
      expect(maxOpen).toBeGreaterThan(CONCURRENCY / 2);
    } finally {
      loop.stop();
      server.close();
    }
  });
});
