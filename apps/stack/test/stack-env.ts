// The environment both stack tests start Signalbox with: every listener on a free
// loopback port, no NATS_URL (a private nats-server), and short probe and drain times.
import { findFreePorts } from "@signalbox/bus/testing";

/** process.env without NATS_* settings, plus free listener ports and test-sized timings. */
export async function stackTestEnv(extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  const [router, routerAdmin, healthGrpc, healthAdmin, watcherAdmin, routerTls] = await findFreePorts(6);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("NATS_")) delete env[name];
  return {
    ...env,
    ROUTER_LISTEN: `127.0.0.1:${router}`,
    ROUTER_ADMIN_LISTEN: `127.0.0.1:${routerAdmin}`,
    ROUTER_TLS_LISTEN: `127.0.0.1:${routerTls}`,
    HEALTH_GRPC_LISTEN: `127.0.0.1:${healthGrpc}`,
    HEALTH_ADMIN_LISTEN: `127.0.0.1:${healthAdmin}`,
    WATCHER_ADMIN_LISTEN: `127.0.0.1:${watcherAdmin}`,
    HEALTH_INTERVAL_MS: "200",
    DRAIN_DELAY_MS: "200",
    DRAIN_TIMEOUT_MS: "3000",
    ...extra,
  };
}
