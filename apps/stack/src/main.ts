#!/usr/bin/env node
// `npm start`: starts the demo stack, prints where it is, and stops every process
// on Ctrl-C (or when one of them dies).
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DEMO_HOST, startStack } from "./stack.js";

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
process.stdout.write("Starting Signalbox: nats, watcher, health, router, two demo backends with agents...\n");
try {
  const stack = await startStack({ rootDir, env: process.env });
  process.stdout.write(
    [
      "",
      "Signalbox is up.",
      `  dashboard    ${stack.dashboardUrl}`,
      `  router       ${stack.routerUrl}`,
      `  try          curl -H 'Host: ${DEMO_HOST}' ${stack.routerUrl}/`,
      `  https        curl --cacert ${stack.caPath} --resolve ${DEMO_HOST}:${portOf(stack.tlsAddress)}:${hostOf(stack.tlsAddress)} https://${DEMO_HOST}:${portOf(stack.tlsAddress)}/`,
      `  admin        ${stack.adminUrl}/routes  ${stack.adminUrl}/metrics  ${stack.adminUrl}/explain?url=http://${DEMO_HOST}/`,
      `  health gRPC  ${stack.grpcAddress}`,
      stack.natsAuth
        ? `  control      (set -a; . ${stack.natsAuth.dir}/admin.env; NATS_URL=${stack.natsUrl} npx signalbox query)`
        : `  control      NATS_URL=${stack.natsUrl} npx signalbox query`,
      `  logs         ${stack.logDir}`,
      "Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
  let stopping = false;
  const shutdown = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${reason}: stopping every process...\n`);
    await stack.stop();
    process.stdout.write("stopped.\n");
    process.exit(code);
  };
  process.once("SIGINT", () => void shutdown("Ctrl-C", 0));
  process.once("SIGTERM", () => void shutdown("SIGTERM", 0));
  void stack.firstExit.then((service) =>
    shutdown(`${service.name} exited unexpectedly (see ${service.logFile})`, 1),
  );
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

/** `127.0.0.1:8443` -> `8443`; `[::1]:8443` -> `8443`. */
function portOf(address: string): string {
  return address.slice(address.lastIndexOf(":") + 1);
}

/** The host curl's --resolve needs (`0.0.0.0` listens everywhere; loopback reaches it). */
function hostOf(address: string): string {
  const host = address.slice(0, address.lastIndexOf(":"));
  return host === "0.0.0.0" || host === "" ? "127.0.0.1" : host;
}
