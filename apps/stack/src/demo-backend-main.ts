#!/usr/bin/env node
// Process entry of the demo backend (DEMO_NAME, DEMO_PORT, DEMO_HOST), run as an
// agent's child by `npm start` and as a container in docker-compose.yml.
import { startDemoBackend } from "./demo-backend.js";

const backend = await startDemoBackend({
  name: process.env.DEMO_NAME ?? "demo",
  host: process.env.DEMO_HOST ?? "127.0.0.1",
  port: Number(process.env.DEMO_PORT ?? 0),
});
process.stdout.write(`demo backend ${process.env.DEMO_NAME ?? "demo"} listening on ${backend.address}\n`);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    void backend.close().then(() => process.exit(0));
  });
}
