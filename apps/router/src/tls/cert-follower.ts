// Keeps the CertBook current from signalbox-certs: a KV watch delivers every entry there is, then
// each change as it is written (within milliseconds), and the book is rebuilt after each one. The
// watch re-opens with back-off when it breaks; the certificates held stay served meanwhile.
import { type Clock, createBackoff, sleep } from "@signalbox/backoff";
import {
  type CertRecord,
  certKeys,
  certRecordSchema,
  createCodec,
  defaultCertSchema,
  openCertsBucket,
  ticketKeysSchema,
} from "@signalbox/bus";
import type { Logger } from "pino";
import type { NatsConnection } from "../table/table-follower.js";
import type { CertBook, CertState } from "./cert-book.js";

/** The parts of a KV watch entry read here. */
interface WatchEntry {
  key: string;
  operation: string;
  value: Uint8Array;
  revision: number;
  delta?: number;
}

export interface CertFollowerDeps {
  nc: NatsConnection;
  book: CertBook;
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
}

/** Runs until `signal` aborts; never rejects. */
export async function followCerts(deps: CertFollowerDeps): Promise<void> {
  const { logger, signal } = deps;
  // No logger on the record codec: a decode reason can quote the entry's text, which holds a key.
  const recordCodec = createCodec("cert-record", certRecordSchema);
  const opts = { logger };
  const defaultCodec = createCodec("default-cert", defaultCertSchema, opts);
  const ticketCodec = createCodec("tickets", ticketKeysSchema, opts);
  const backoff = createBackoff({ baseMs: 200, capMs: 5000 });
  const records = new Map<string, CertRecord>();
  const state: CertState = { records, defaultId: undefined, ticketKey: undefined };

  const take = (entry: WatchEntry): void => {
    const gone = entry.operation !== "PUT";
    if (entry.key.startsWith(certKeys.certPrefix)) {
      const id = entry.key.slice(certKeys.certPrefix.length);
      const decoded = gone ? undefined : recordCodec.decode(entry.value);
      if (decoded?.ok && decoded.value.id === id) records.set(id, decoded.value);
      else {
        if (!gone)
          logger.warn({ key: entry.key }, "invalid certificate entry in signalbox-certs; not served");
        records.delete(id);
      }
    } else if (entry.key === certKeys.default) {
      const decoded = gone ? undefined : defaultCodec.decode(entry.value);
      state.defaultId = decoded?.ok ? decoded.value.id : undefined;
    } else if (entry.key === certKeys.tickets) {
      const decoded = gone ? undefined : ticketCodec.decode(entry.value);
      // A broken ticket entry keeps the key in use: resumption goes on working.
      if (decoded?.ok) state.ticketKey = Buffer.from(decoded.value.key, "base64");
    }
  };

  let lastRevision = 0;
  while (!signal.aborted) {
    let watch: Awaited<ReturnType<Awaited<ReturnType<typeof openCertsBucket>>["watch"]>> | undefined;
    const stop = () => watch?.stop();
    signal.addEventListener("abort", stop, { once: true });
    try {
      const kv = await openCertsBucket(deps.nc);
      watch = await kv.watch(lastRevision > 0 ? { resumeFromRevision: lastRevision + 1 } : {});
      for await (const entry of watch) {
        lastRevision = entry.revision;
        backoff.reset();
        take(entry);
        // The initial replay applies once, at its last entry; later changes apply one by one.
        if ((entry.delta ?? 0) === 0) {
          // A copy: the book keeps what it was given while later entries arrive here.
          deps.book.apply({ ...state, records: new Map(records) });
          logger.info(
            {
              certificates: [...records.keys()],
              default: state.defaultId ?? null,
              ticketKey: state.ticketKey !== undefined,
            },
            "certificates applied",
          );
        }
      }
    } catch (error) {
      if (signal.aborted) break;
      logger.warn({ err: error, lastRevision }, "following signalbox-certs failed; watching again");
    } finally {
      signal.removeEventListener("abort", stop);
      watch?.stop();
    }
    if (signal.aborted) break;
    await sleep(backoff.next() ?? 5000, { clock: deps.clock, signal }).catch(() => {});
  }
}
