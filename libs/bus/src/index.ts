// @signalbox/bus: NATS connection, subjects, validated codecs and route-table KV helpers.
export * from "./codec.js";
export * from "./codecs.js";
export * from "./connect.js";
export * from "./errors.js";
export * from "./kv/buckets.js";
export * from "./kv/routes-reader.js";
export * from "./kv/routes-writer.js";
export * from "./messages/agent.js";
export * from "./messages/api.js";
export * from "./messages/certs.js";
export * from "./messages/health.js";
export * from "./messages/routes.js";
export * from "./messages/stats.js";
export * from "./subjects.js";
