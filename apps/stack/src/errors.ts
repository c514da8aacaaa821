// Errors of the demo stack: what `npm start` prints before it exits 1.

/** The stack could not start: a missing nats-server, an unreachable NATS_URL, a service never ready. */
export class StackError extends Error {
  override readonly name = "StackError";
  readonly code = "SB_STACK";
}
