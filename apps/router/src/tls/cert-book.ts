// What the TLS listeners serve: one SecureContext per certificate of signalbox-certs, the SNI
// index over them, the default (the `default` certificate, else the self-signed fallback) and the
// shared ticket key. Rebuilt on every change the follower hands it; a handshake reads the index
// current at that moment, so a new certificate applies to the next handshake and open
// connections keep theirs. Keys stay in memory, never in a log line or a file.
import { randomBytes } from "node:crypto";
import { createSecureContext, type SecureContext } from "node:tls";
import type { CertRecord } from "@signalbox/bus";
import { type SniEntry, SniIndex, type SniMatch } from "@signalbox/tls";
import type { Logger } from "pino";
import type { PemPair } from "./self-signed.js";
import { SECURE_CONTEXT_POLICY } from "./tls-policy.js";

/** The certificates as the follower last read them. */
export interface CertState {
  records: ReadonlyMap<string, CertRecord>;
  defaultId: string | undefined;
  /** The 48-byte shared ticket key; undefined until a watcher wrote one. */
  ticketKey: Buffer | undefined;
}

/** The id the self-signed fallback is known by in /routes and the metrics. */
export const SELF_SIGNED_ID = "self-signed";

interface Served {
  /** Fingerprint of the PEMs and the ticket key the context was built with: unchanged means reuse. */
  stamp: string;
  context: SecureContext;
}

export interface CertPick {
  id: string;
  context: SecureContext;
  match: SniMatch;
}

export class CertBook {
  private index: SniIndex<SecureContext>;
  private served = new Map<string, Served>();
  private state: CertState = { records: new Map(), defaultId: undefined, ticketKey: undefined };
  private fallbackContext: SecureContext;
  private fallbackTicketStamp: string;
  private readonly listeners = new Set<() => void>();
  /** Until the shared key arrives: this router's own, so its sessions resume at least here. */
  private readonly localTicketKey = randomBytes(48);

  constructor(
    private readonly fallback: PemPair,
    private readonly logger: Logger,
  ) {
    this.fallbackContext = this.build(fallback);
    this.fallbackTicketStamp = this.ticketKey.toString("base64");
    this.index = new SniIndex([], this.fallbackEntry());
  }

  /** The certificate for a ClientHello naming `serverName` (exact, wildcard, then default). */
  pick(serverName: string | undefined): CertPick {
    const pick = this.index.pick(serverName);
    // The index always has a default entry; the fallback covers the impossible case.
    if (pick === undefined) return { id: SELF_SIGNED_ID, context: this.fallbackContext, match: "default" };
    return { id: pick.id, context: pick.value, match: pick.match };
  }

  /** PEMs and ticket key for the listeners' own context (ClientHellos without a server name). */
  defaultPems(): PemPair & { id: string } {
    const record = this.defaultRecord();
    return record === undefined
      ? { id: SELF_SIGNED_ID, ...this.fallback }
      : { id: record.id, chainPem: record.chainPem, keyPem: record.keyPem };
  }

  /** The shared ticket key, or this router's own until a watcher wrote one. */
  get ticketKey(): Buffer {
    return this.state.ticketKey ?? this.localTicketKey;
  }

  /** Every certificate's id, names and expiry (no key), for /routes and /metrics. */
  summaries(): { id: string; names: string[]; notAfter: number; default: boolean }[] {
    const defaultId = this.defaultRecord()?.id;
    return [...this.state.records.values()].map((r) => ({
      id: r.id,
      names: r.names,
      notAfter: r.notAfter,
      default: r.id === defaultId,
    }));
  }

  /** Rebuilds the index from `state`; contexts of unchanged certificates are kept. */
  apply(state: CertState): void {
    this.state = state;
    const ticketStamp = this.ticketKey.toString("base64");
    const served = new Map<string, Served>();
    const entries: SniEntry<SecureContext>[] = [];
    for (const record of state.records.values()) {
      const stamp = `${record.fingerprint}|${record.addedAt}|${ticketStamp}`;
      let entry = this.served.get(record.id);
      if (entry?.stamp !== stamp) {
        try {
          entry = { stamp, context: this.build(record) };
        } catch (error) {
          // The watcher checked it; a router that cannot load it says so and serves the others.
          this.logger.error(
            { certificate: record.id, reason: (error as Error).message },
            "certificate not loadable; not served",
          );
          continue;
        }
      }
      served.set(record.id, entry);
      entries.push({ id: record.id, names: record.names, notAfter: record.notAfter, value: entry.context });
    }
    this.served = served;
    if (this.fallbackTicketStamp !== ticketStamp) {
      this.fallbackContext = this.build(this.fallback);
      this.fallbackTicketStamp = ticketStamp;
    }
    const defaultId = this.defaultRecord()?.id;
    const defaultEntry = entries.find((entry) => entry.id === defaultId) ?? this.fallbackEntry();
    this.index = new SniIndex(entries, defaultEntry);
    for (const listener of this.listeners) listener();
  }

  /** Calls `listener` after every apply; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private defaultRecord(): CertRecord | undefined {
    const id = this.state.defaultId;
    return id === undefined || !this.served.has(id) ? undefined : this.state.records.get(id);
  }

  private fallbackEntry(): SniEntry<SecureContext> {
    return { id: SELF_SIGNED_ID, names: [], notAfter: 0, value: this.fallbackContext };
  }

  /** A context per certificate, each with the ticket key: after an SNI switch OpenSSL asks the new context for it. */
  private build(pems: PemPair): SecureContext {
    return createSecureContext({
      ...SECURE_CONTEXT_POLICY,
      cert: pems.chainPem,
      key: pems.keyPem,
      ticketKeys: this.ticketKey,
    });
  }
}
