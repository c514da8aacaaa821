// Load generator used when wrk is not installed: `connections` keep-alive connections through one
// undici Pool, each sending requests back to back for `durationMs`; prints {rps, p50Ms, p99Ms} as JSON.
import { Pool } from "undici";

const [url, connectionsText, durationText, host] = process.argv.slice(2);
const connections = Number(connectionsText);
const durationMs = Number(durationText);
const target = new URL(url);
const pool = new Pool(target.origin, { connections, pipelining: 1 });
const latencies = [];
let errors = 0;
const deadline = performance.now() + durationMs;

async function worker() {
  while (performance.now() < deadline) {
    const started = performance.now();
    try {
      const { body } = await pool.request({ path: target.pathname, method: "GET", headers: { host } });
      for await (const _ of body);
      latencies.push(performance.now() - started);
    } catch {
      errors += 1;
    }
  }
}

const began = performance.now();
await Promise.all(Array.from({ length: connections }, worker));
const elapsedS = (performance.now() - began) / 1000;
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
process.stdout.write(
  `${JSON.stringify({ rps: latencies.length / elapsedS, p50Ms: at(0.5), p99Ms: at(0.99), errors })}\n`,
);
await pool.close();
