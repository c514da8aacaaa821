// W3C Trace Context (https://www.w3.org/TR/trace-context/) `traceparent`: version 00 parsed
// strictly, later versions by their first four fields as the spec asks. A peer's traceparent is
// only believed from a trusted proxy (ROUTER_TRUSTED_PROXIES): anyone else's is replaced.

import { findHeader } from "../forward/headers.js";

export interface TraceParent {
  traceId: string;
  spanId: string;
  /** The trace-flags byte (bit 0: sampled). */
  flags: number;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const INVALID_TRACE = "00000000000000000000000000000000";
const INVALID_SPAN = "0000000000000000";

/** The fields of a valid traceparent value; undefined for anything else (all-zero ids, version ff). */
export function parseTraceparent(value: string | undefined): TraceParent | undefined {
  if (value === undefined || value.length > 512) return undefined;
  const match = TRACEPARENT.exec(value.trim());
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as string[];
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (traceId === INVALID_TRACE || spanId === INVALID_SPAN) return undefined;
  return {
    traceId: traceId as string,
    spanId: spanId as string,
    flags: Number.parseInt(flags as string, 16),
  };
}

/** The trace id of a trusted peer's request head (call it for trusted peers only). */
export function trustedTraceId(rawHeaders: readonly string[]): string | undefined {
  return parseTraceparent(findHeader(rawHeaders, "traceparent"))?.traceId;
}
