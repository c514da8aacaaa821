// A private three-node nats-server cluster with JetStream for failover tests
// (@signalbox/bus/testing): free ports, one store per node, ready once every node
// answers JetStream requests (a meta leader is elected).

import { findFreePorts } from "./free-port.js";
import { createNatsServer, type NatsServer, type StartingNatsServer } from "./nats-server.js";

export interface NatsCluster {
  /** Client URLs, one per node (pass them all as NATS_URL). */
  readonly urls: string[];
  /** The nodes: stop() or restart() one to test failover. */
  readonly servers: NatsServer[];
  /** Stops every node and removes every store; safe to call twice. */
  stop(): Promise<void>;
}

/** Starts `size` (default 3) routed nodes named `sb-0`..; resolves once the cluster has a JetStream meta leader. */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const ports = await findFreePorts(size * 2);
  const clientPorts = ports.slice(0, size);
  const routePorts = ports.slice(size);
  const clusterName = `sb-test-${process.pid}-${clientPorts[0]}`;
  const servers: StartingNatsServer[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
  };
  try {
    for (let i = 0; i < size; i++) {
      const routes = routePorts.filter((_, j) => j !== i).map((port) => `nats://127.0.0.1:${port}`);
      const extraArgs = [
        "-n",
        `sb-${i}`,
        "--cluster_name",
        clusterName,
        "--cluster",
        `nats://127.0.0.1:${routePorts[i]}`,
        "--routes",
        routes.join(","),
      ];
      servers.push(await createNatsServer({ port: clientPorts[i] as number, jetstream: true, extraArgs }));
    }
    await Promise.all(servers.map((server) => server.waitReady()));
  } catch (error) {
    await stop();
    throw error;
  }
  return { urls: servers.map((server) => server.url), servers, stop };
}
