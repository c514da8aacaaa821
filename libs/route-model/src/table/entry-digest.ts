// The digest of one table entry (an endpoint or a backend), computed once per entry object: what
// the table hash sums and what diffTables compares.
import { hash } from "node:crypto";
import type { Backend, Endpoint } from "../model/types.js";
import { canonicalBackend, canonicalEndpoint } from "./canonical.js";

/**
 * The first 192 bits of sha256(`<kind>\n<canonical JSON>`) as eight 24-bit words (small integers,
 * cheap to hold and to add up). Equal words mean equal canonical content, and an endpoint never
 * shares its words with a backend (the kind is hashed in).
 */
export interface EntryDigest {
  readonly w0: number;
  readonly w1: number;
  readonly w2: number;
  readonly w3: number;
  readonly w4: number;
  readonly w5: number;
  readonly w6: number;
  readonly w7: number;
}

/** Number of 24-bit words in an EntryDigest, in the order w0..w7. */
export const DIGEST_WORDS = 8;

// Table entries are immutable (see RouteTable in model/types.ts: a changed endpoint or backend is
// a new object), so a digest computed once stays the entry's digest. Keyed by the object and held
// weakly: an entry no table holds any more takes its digest with it.
const endpointDigests = new WeakMap<Endpoint, EntryDigest>();
const backendDigests = new WeakMap<Backend, EntryDigest>();

/**
 * The digest of `endpoint` (routes in any order, keys in any order). Cached per object: mutating
 * an endpoint after its first digest is not seen; build a new object for a changed endpoint.
 */
export function endpointDigest(endpoint: Endpoint): EntryDigest {
  let digest = endpointDigests.get(endpoint);
  if (digest === undefined) {
    digest = digestOf(`endpoint\n${canonicalEndpoint(endpoint)}`);
    endpointDigests.set(endpoint, digest);
  }
  return digest;
}

/** The digest of `backend` (label keys in any order); cached per object as endpointDigest. */
export function backendDigest(backend: Backend): EntryDigest {
  let digest = backendDigests.get(backend);
  if (digest === undefined) {
    digest = digestOf(`backend\n${canonicalBackend(backend)}`);
    backendDigests.set(backend, digest);
  }
  return digest;
}

/** Same canonical content: what diffTables calls an unchanged entry. */
export function sameDigest(a: EntryDigest, b: EntryDigest): boolean {
  return (
    a === b ||
    (a.w0 === b.w0 &&
      a.w1 === b.w1 &&
      a.w2 === b.w2 &&
      a.w3 === b.w3 &&
      a.w4 === b.w4 &&
      a.w5 === b.w5 &&
      a.w6 === b.w6 &&
      a.w7 === b.w7)
  );
}

function digestOf(text: string): EntryDigest {
  const bytes = hash("sha256", text, "buffer");
  return {
    w0: bytes.readUIntBE(0, 3),
    w1: bytes.readUIntBE(3, 3),
    w2: bytes.readUIntBE(6, 3),
    w3: bytes.readUIntBE(9, 3),
    w4: bytes.readUIntBE(12, 3),
    w5: bytes.readUIntBE(15, 3),
    w6: bytes.readUIntBE(18, 3),
    w7: bytes.readUIntBE(21, 3),
  };
}
