// Coded errors of the agent: callers (the CLI) branch on `code`, tests assert on the data fields.
import type { AgentRejectCode } from "@signalbox/bus";

export { ConfigError } from "@signalbox/bus";

/** The watcher refused the agent's token or request: the agent must exit 1 and say why. */
export class AgentRejectedError extends Error {
  override readonly name = "AgentRejectedError";
  readonly code = "SB_AGENT_REJECTED";
  constructor(
    /** Why (agent.register or agent.heartbeat reply): unknown, revoked, expired, wrong-service, invalid. */
    readonly reason: AgentRejectCode,
    readonly detail: string,
  ) {
    super(`watcher rejected the agent (${reason}): ${detail}`);
  }
}

/** The backend command (`signalbox agent -- <command>`) could not be started. */
export class ChildStartError extends Error {
  override readonly name = "ChildStartError";
  readonly code = "SB_AGENT_CHILD_START";
  constructor(
    readonly command: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`cannot start backend command ${JSON.stringify(command)}`, options);
  }
}
