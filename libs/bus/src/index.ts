// @signalbox/bus: NATS connection, subjects, validated codecs and route-table KV helpers.
export * from "./errors.js";
export * from "./subjects.js";
