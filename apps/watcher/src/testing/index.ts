// @signalbox/watcher/testing: a fake Marathon master and app fixtures in Marathon's real
// formats, shared by the watcher's tests and the propagation and scale benches.
export * from "./fake-marathon.js";
export * from "./marathon-apps.js";
