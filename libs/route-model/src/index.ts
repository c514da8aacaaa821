// @signalbox/route-model: the only import path of this package.
export * from "./errors.js";
export * from "./model/types.js";
