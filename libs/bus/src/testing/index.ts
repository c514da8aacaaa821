// @signalbox/bus/testing: private nats-server instances for integration tests.
export { type NatsCluster, startNatsCluster } from "./nats-cluster.js";
export { type NatsServer, type NatsServerOptions, startNatsServer } from "./nats-server.js";
