// gRPC probe (`signalbox.health.type=grpc`): one grpc.health.v1.Health/Check of the service named
// by `signalbox.health.grpc-service`; SERVING passes. Used when the backend has no Watch.
import { status as grpcStatus } from "@grpc/grpc-js";
import { createHealthClient } from "../grpc/health-proto.js";
import { abortReason, type Probe, type ProbeResult } from "./probe-target.js";

/**
 * Each probe has its own channel, closed when the probe settles: a backend that is not being
 * probed holds no connection, so probes in flight bound the sockets.
 */
export const BACKEND_CHANNEL_OPTIONS = {
  "grpc.use_local_subchannel_pool": 1,
  "grpc.enable_retries": 0,
  "grpc.service_config_disable_resolution": 1,
} as const;

/** Check answering SERVING passes; any other status or error fails, naming it. */
export const grpcCheckProbe: Probe = (target, signal) =>
  new Promise<ProbeResult>((resolve) => {
    const client = createHealthClient(target.address, BACKEND_CHANNEL_OPTIONS);
    const onAbort = () => call.cancel();
    const call = client.check({ service: target.grpcService }, {}, (error, response) => {
      signal.removeEventListener("abort", onAbort);
      client.close();
      if (signal.aborted) resolve({ ok: false, reason: `Check: ${abortReason(signal)}` });
      else if (error) resolve({ ok: false, reason: `Check: ${grpcStatus[error.code]} ${error.details}` });
      else if (response?.status === "SERVING") resolve({ ok: true });
      else resolve({ ok: false, reason: `Check: ${response?.status ?? "no answer"}` });
    });
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
