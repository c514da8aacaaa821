// Coded errors of the watcher: callers branch on `code`, tests assert on the data fields.

export { ConfigError } from "@signalbox/bus";
