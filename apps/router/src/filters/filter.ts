// The filter interface: one small module per FilterSpec type, applied in the endpoint's order by chain.ts.

import type { ErrorReason } from "../respond-error.js";

/** The parts of a request a filter may read or change before it is forwarded. */
export interface FilterRequest {
  readonly method: string;
  /** Path and query sent to the backend; strip-prefix rewrites it. */
  path: string;
  /** Flat [name, value, ...] list sent to the backend. */
  readonly headers: string[];
  /** The validated Host sent to the backend (port included when the client gave one). */
  readonly host: string;
  /** The validated host name the request was matched by: lowercase, no port, no trailing dot. */
  readonly hostname: string;
  /** The client the router acts on: the peer, or from a trusted proxy the address it forwarded for. */
  readonly clientIp: string;
  readonly proto: "http" | "https";
}

/** A filter's answer that ends the request here: a response of its own or a router error. */
export type FilterOutcome =
  | { kind: "respond"; status: number; headers: string[] }
  | { kind: "error"; reason: ErrorReason; headers: string[] };

export interface Filter {
  /** Undefined lets the request go on (possibly changed); an outcome answers it. */
  onRequest?(req: FilterRequest): FilterOutcome | undefined;
  /** Changes the flat response header list of `req`'s answer before it is written to the client. */
  onResponse?(headers: string[], req: FilterRequest): void;
}
