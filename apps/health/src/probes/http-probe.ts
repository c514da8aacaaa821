// HTTP probe: GET http://<address><signalbox.health.path>, 2xx and 3xx pass. Each probe has its
// own connection, closed before the probe settles, so open probe sockets never outnumber
// probes in flight (the concurrency limiter's bound).
import { Client } from "undici";
import { abortReason, type Probe } from "./probe-target.js";

/** Redirects are not followed: a 3xx is an answer, and so a pass. */
export const httpProbe: Probe = async (target, signal) => {
  let client: Client;
  try {
    client = new Client(`http://${target.address}`, { pipelining: 0 });
  } catch (error) {
    return { ok: false, reason: `address ${target.address}: ${(error as Error).message}` };
  }
  try {
    const response = await client.request({
      method: "GET",
      path: target.httpPath,
      signal,
      headers: { "user-agent": "signalbox-health", connection: "close" },
    });
    await response.body.dump({ limit: 64 * 1024 });
    const { statusCode } = response;
    if (statusCode >= 200 && statusCode < 400) return { ok: true };
    return { ok: false, reason: `GET ${target.httpPath} answered ${statusCode}` };
  } catch (error) {
    const reason = signal.aborted ? abortReason(signal) : (error as Error).message;
    return { ok: false, reason: `GET ${target.httpPath}: ${reason}` };
  } finally {
    await client.destroy();
  }
};
