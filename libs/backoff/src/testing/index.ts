// @signalbox/backoff/testing: test doubles for the Clock.
export * from "./manual-clock.js";
