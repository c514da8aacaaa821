// HTTP probe: GET http://<address><signalbox.health.path>, 2xx and 3xx pass. One request per
// connection (`connection: close`), so open sockets never outnumber probes in flight.
import { Agent, request } from "undici";
import { abortReason, type Probe, type ProbeResult } from "./probe-target.js";

export interface HttpProbe {
  probe: Probe;
  /** Closes the connection pool (sockets still closing included). */
  close(): Promise<void>;
}

/** Redirects are not followed: a 3xx is an answer, and so a pass. */
export function createHttpProbe(): HttpProbe {
  const dispatcher = new Agent({ keepAliveTimeout: 1, keepAliveMaxTimeout: 1 });
  return {
    async probe(target, signal): Promise<ProbeResult> {
      try {
        const response = await request(`http://${target.address}${target.httpPath}`, {
          method: "GET",
          dispatcher,
          signal,
          reset: true,
          headers: { "user-agent": "signalbox-health" },
        });
        await response.body.dump({ limit: 64 * 1024 });
        const { statusCode } = response;
        return statusCode >= 200 && statusCode < 400
          ? { ok: true }
          : { ok: false, reason: `GET ${target.httpPath} answered ${statusCode}` };
      } catch (error) {
        const reason = signal.aborted ? abortReason(signal) : (error as Error).message;
        return { ok: false, reason: `GET ${target.httpPath}: ${reason}` };
      }
    },
    close: () => dispatcher.close(),
  };
}
