// Certificates in signalbox-certs (`cert.<id>` with chain and key, `default`): the watcher is
// the only writer; routers follow the bucket. Like the token store it holds no state: every
// call reads KV, so any watcher answers the same.
import {
  type CertRecord,
  type CertSummary,
  certKeys,
  certRecordSchema,
  createCodec,
  defaultCertSchema,
} from "@signalbox/bus";
import type { Logger } from "pino";
import type { KV } from "../bus-types.js";

export interface CertStore {
  /** Writes the record; true when it replaced one with the same id. */
  put(record: CertRecord): Promise<boolean>;
  /** Every certificate without its key, sorted by id (invalid entries are logged and left out). */
  list(): Promise<CertSummary[]>;
  /** Deletes `cert.<id>` (and `default` when it named it); false when there was no such certificate. */
  remove(id: string): Promise<{ removed: boolean; wasDefault: boolean }>;
  defaultId(): Promise<string | undefined>;
  setDefault(id: string): Promise<void>;
}

export function createCertStore(deps: { certsKv: KV; logger?: Logger }): CertStore {
  const { certsKv: kv } = deps;
  const opts = deps.logger ? { logger: deps.logger } : {};
  // No logger on the record codec: a decode reason can quote the entry's text, which holds a key.
  const recordCodec = createCodec("cert-record", certRecordSchema);
  const defaultCodec = createCodec("default-cert", defaultCertSchema, opts);

  async function read(id: string): Promise<CertRecord | undefined> {
    const entry = await kv.get(certKeys.cert(id));
    if (entry?.operation !== "PUT") return undefined;
    const decoded = recordCodec.decode(entry.value);
    if (!decoded.ok)
      deps.logger?.warn({ key: entry.key }, "invalid certificate entry in signalbox-certs; ignored");
    return decoded.ok ? decoded.value : undefined;
  }

  const store: CertStore = {
    async put(record) {
      const replaced = (await read(record.id)) !== undefined;
      await kv.put(certKeys.cert(record.id), recordCodec.encode(record));
      return replaced;
    },

    async list() {
      const ids: string[] = [];
      for await (const key of await kv.keys(certKeys.certAll))
        ids.push(key.slice(certKeys.certPrefix.length));
      const records = await Promise.all(ids.map(read));
      return records
        .filter((record): record is CertRecord => record !== undefined)
        .map(({ chainPem: _chain, keyPem: _key, ...summary }) => summary)
        .sort((a, b) => a.id.localeCompare(b.id));
    },

    async remove(id) {
      if ((await read(id)) === undefined) return { removed: false, wasDefault: false };
      const wasDefault = (await store.defaultId()) === id;
      // The default first: a router never sees a default naming a certificate that is gone.
      if (wasDefault) await kv.delete(certKeys.default);
      // purge, not delete: the key material leaves the stream rather than staying as history.
      await kv.purge(certKeys.cert(id));
      return { removed: true, wasDefault };
    },

    async defaultId() {
      const entry = await kv.get(certKeys.default);
      if (entry?.operation !== "PUT") return undefined;
      const decoded = defaultCodec.decode(entry.value);
      return decoded.ok ? decoded.value.id : undefined;
    },

    async setDefault(id) {
      await kv.put(certKeys.default, defaultCodec.encode({ id }));
    },
  };
  return store;
}
