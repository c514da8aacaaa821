// @signalbox/route-model: the only import path of this package.
export * from "./model/types.js";
