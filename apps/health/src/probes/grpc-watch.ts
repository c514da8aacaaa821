// Follows a gRPC backend's own grpc.health.v1.Health/Watch stream: each message is the backend's
// status, pushed, with no polling interval. The probe loop falls back to Check on UNIMPLEMENTED.
import { status as grpcStatus } from "@grpc/grpc-js";
import { createHealthClient } from "../grpc/health-proto.js";
import type { ServingStatus } from "../status/backend-verdict.js";
import { BACKEND_CHANNEL_OPTIONS } from "./grpc-probe.js";
import { abortReason, type ProbeTarget } from "./probe-target.js";

/** `unimplemented`: the backend has no Watch, never retry it; `ended`: retry later. */
export type WatchEnd = { kind: "unimplemented" } | { kind: "ended"; reason: string };

/** Follows one backend until its stream ends or `signal` aborts. */
export type WatchFollower = (
  target: ProbeTarget,
  onStatus: (status: ServingStatus) => void,
  signal: AbortSignal,
) => Promise<WatchEnd>;

/** SERVING is SERVING; NOT_SERVING, UNKNOWN and SERVICE_UNKNOWN all mean NOT_SERVING. */
export const followGrpcWatch: WatchFollower = (target, onStatus, signal) =>
  new Promise<WatchEnd>((resolve) => {
    const client = createHealthClient(target.address, BACKEND_CHANNEL_OPTIONS);
    const call = client.watch({ service: target.grpcService });
    const onAbort = () => call.cancel();
    call.on("data", (message: { status: string }) =>
      onStatus(message.status === "SERVING" ? "SERVING" : "NOT_SERVING"),
    );
    call.on("error", () => {});
    call.on("status", (status) => {
      signal.removeEventListener("abort", onAbort);
      client.close();
      if (signal.aborted) resolve({ kind: "ended", reason: `Watch: ${abortReason(signal)}` });
      else if (status.code === grpcStatus.UNIMPLEMENTED) resolve({ kind: "unimplemented" });
      else resolve({ kind: "ended", reason: `Watch ended: ${grpcStatus[status.code]} ${status.details}` });
    });
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
