// TCP probe (`signalbox.health.type=tcp`): a connection that opens passes; it is closed at once.
import { connect } from "node:net";
import { abortReason, type Probe, type ProbeResult } from "./probe-target.js";

/** Connects to the backend's address and hangs up: passing means the port accepts. */
export const tcpProbe: Probe = (target, signal) =>
  new Promise<ProbeResult>((resolve) => {
    const { host, port } = splitAddress(target.address);
    const socket = connect({ host, port });
    // Settles once the socket is closed, so a finished probe holds no socket.
    const finish = (result: ProbeResult) => {
      signal.removeEventListener("abort", onAbort);
      socket.removeAllListeners("connect").removeAllListeners("error");
      socket.once("close", () => resolve(result));
      socket.destroy();
    };
    const onAbort = () => finish({ ok: false, reason: `connect: ${abortReason(signal)}` });
    socket.once("connect", () => finish({ ok: true }));
    socket.once("error", (error) => finish({ ok: false, reason: `connect: ${error.message}` }));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });

/** `host:port` or `[v6]:port` -> host without brackets and port. */
export function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(":");
  return {
    host: address.slice(0, colon).replace(/^\[(.*)\]$/, "$1"),
    port: Number(address.slice(colon + 1)),
  };
}
