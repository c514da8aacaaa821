// @signalbox/stack: the demo stack and demo backend, for `npm start` and the end-to-end tests.
export * from "./child-service.js";
export * from "./demo-backend.js";
export * from "./errors.js";
export * from "./private-nats.js";
export * from "./stack.js";
export * from "./wait-for.js";
