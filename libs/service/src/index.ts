// @signalbox/service: the only import path of this package.
export {};
