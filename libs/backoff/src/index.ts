// @signalbox/backoff: clocks, exponential back-off with full jitter, abortable sleep.
export * from "./backoff.js";
export * from "./clock.js";
export * from "./errors.js";
export * from "./sleep.js";
