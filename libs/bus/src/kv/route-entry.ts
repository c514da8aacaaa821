// The value of one `endpoint.<pattern>` or `backend.<id>` key: the model value as JSON,
// validated by @signalbox/route-model on the way in.

import { type Backend, type Endpoint, hashTable, parseBackend, parseEndpoint } from "@signalbox/route-model";
import type { DecodeResult } from "../codec.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeEntry(entry: Endpoint | Backend): Uint8Array {
  return encoder.encode(JSON.stringify(entry));
}

export function decodeEndpoint(data: Uint8Array): DecodeResult<Endpoint> {
  return decodeWith(data, parseEndpoint);
}

export function decodeBackend(data: Uint8Array): DecodeResult<Backend> {
  return decodeWith(data, parseBackend);
}

/** Same canonical content (the table hash's notion of equal). */
export function sameEntry(isEndpoint: boolean, a: Endpoint | Backend, b: Endpoint | Backend): boolean {
  const hashOne = (entry: Endpoint | Backend) =>
    hashTable(
      isEndpoint
        ? { endpoints: [entry as Endpoint], backends: [] }
        : { endpoints: [], backends: [entry as Backend] },
    );
  return hashOne(a) === hashOne(b);
}

function decodeWith<T>(data: Uint8Array, parse: (x: unknown) => T): DecodeResult<T> {
  try {
    return { ok: true, value: parse(JSON.parse(decoder.decode(data))) };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}
