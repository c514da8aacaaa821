// The control API's entries in signalbox-config: per endpoint pattern, the API's routes
// (`api.endpoint.<pattern>`) and the `shape` weight overrides (`api.shape.<pattern>`).
// Every write is compare-and-set on the revision read, so two watchers never lose an update.
import {
  type ApiEndpointRecord,
  type ApiShapeRecord,
  apiEndpointRecordSchema,
  apiShapeRecordSchema,
  type Codec,
  configKeys,
  createCodec,
} from "@signalbox/bus";
import type { Logger } from "pino";
import type { KV } from "../bus-types.js";

/** A record as read, with the revision a write must match (undefined: the key never existed). */
export interface Versioned<T> {
  value: T | undefined;
  revision: number | undefined;
  /** True when the last entry is a delete marker (a write then creates the key again). */
  deleted: boolean;
}

export interface ConfigRecords {
  readEndpoint(pattern: string): Promise<Versioned<ApiEndpointRecord>>;
  /** `undefined` deletes the key. Throws when the key changed since `read`. */
  writeEndpoint(
    pattern: string,
    read: Versioned<ApiEndpointRecord>,
    next: ApiEndpointRecord | undefined,
  ): Promise<void>;
  readShape(pattern: string): Promise<Versioned<ApiShapeRecord>>;
  writeShape(
    pattern: string,
    read: Versioned<ApiShapeRecord>,
    next: ApiShapeRecord | undefined,
  ): Promise<void>;
  /** Every API endpoint record (invalid entries are logged and left out). */
  listEndpoints(): Promise<ApiEndpointRecord[]>;
}

export function createConfigRecords(deps: { configKv: KV; logger: Logger }): ConfigRecords {
  const { configKv, logger } = deps;
  const endpointCodec = createCodec("api-endpoint-record", apiEndpointRecordSchema, { logger });
  const shapeCodec = createCodec("api-shape-record", apiShapeRecordSchema, { logger });

  async function read<T>(key: string, codec: Codec<T>): Promise<Versioned<T>> {
    const entry = await configKv.get(key);
    if (!entry) return { value: undefined, revision: undefined, deleted: false };
    if (entry.operation !== "PUT") return { value: undefined, revision: entry.revision, deleted: true };
    const decoded = codec.decode(entry.value);
    // An entry no codec accepts is treated as absent: the next write replaces it.
    return { value: decoded.ok ? decoded.value : undefined, revision: entry.revision, deleted: false };
  }

  async function write<T>(
    key: string,
    codec: Codec<T>,
    read: Versioned<T>,
    next: T | undefined,
  ): Promise<void> {
    if (next === undefined) {
      if (read.revision !== undefined && !read.deleted)
        await configKv.delete(key, { previousSeq: read.revision });
      return;
    }
    if (read.revision === undefined || read.deleted) await configKv.create(key, codec.encode(next));
    else await configKv.update(key, codec.encode(next), read.revision);
  }

  return {
    readEndpoint: (pattern) => read(configKeys.apiEndpoint(pattern), endpointCodec),
    writeEndpoint: (pattern, before, next) =>
      write(configKeys.apiEndpoint(pattern), endpointCodec, before, next),
    readShape: (pattern) => read(configKeys.apiShape(pattern), shapeCodec),
    writeShape: (pattern, before, next) => write(configKeys.apiShape(pattern), shapeCodec, before, next),

    async listEndpoints() {
      const keys: string[] = [];
      for await (const key of await configKv.keys(`${configKeys.apiEndpointPrefix}*`)) keys.push(key);
      const records = await Promise.all(keys.map(async (key) => (await read(key, endpointCodec)).value));
      return records.filter((record): record is ApiEndpointRecord => record !== undefined);
    },
  };
}
