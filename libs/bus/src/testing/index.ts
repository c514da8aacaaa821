// @signalbox/bus/testing: private nats-server instances and log capture for tests.

export { type CapturedLogs, captureLogger } from "./capture-logger.js";
export { findFreePorts } from "./free-port.js";
export { type NatsCluster, startNatsCluster } from "./nats-cluster.js";
export { type NatsServer, type NatsServerOptions, startNatsServer } from "./nats-server.js";
export { waitUntil } from "./wait-until.js";
