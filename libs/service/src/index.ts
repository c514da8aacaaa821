// @signalbox/service: the only import path of this package: what every service process shares,
// the environment readers of its configuration and its admin listener.
export * from "./admin-server.js";
export * from "./env-readers.js";
