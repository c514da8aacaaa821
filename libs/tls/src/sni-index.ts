// SNI selection: the certificate for a TLS ClientHello's server name. Exact name first, then
// the wildcard one label up (the only wildcard a client accepts for that name, so the longest
// that can match), then the default. Generic over what is served (a SecureContext in the router).

import { normaliseHostName, wildcardFor } from "./host-names.js";

export interface SniEntry<T> {
  id: string;
  /** The certificate's names: exact hosts and `*.` wildcards. */
  names: readonly string[];
  /** Later expiry wins when two certificates name the same host (the renewed one). */
  notAfter: number;
  value: T;
}

export type SniMatch = "exact" | "wildcard" | "default";

export interface SniPick<T> {
  id: string;
  value: T;
  match: SniMatch;
}

export class SniIndex<T> {
  private readonly byName = new Map<string, SniEntry<T>>();

  /** `defaultEntry` answers names nothing else covers and ClientHellos without a server name. */
  constructor(
    entries: Iterable<SniEntry<T>>,
    private readonly defaultEntry: SniEntry<T> | undefined,
  ) {
    for (const entry of entries) {
      for (const raw of entry.names) {
        const name = normaliseHostName(raw);
        const held = this.byName.get(name);
        if (
          held === undefined ||
          entry.notAfter > held.notAfter ||
          (entry.notAfter === held.notAfter && entry.id < held.id)
        ) {
          this.byName.set(name, entry);
        }
      }
    }
  }

  /** The pick for `serverName` (undefined or empty: the default); undefined when nothing fits and no default. */
  pick(serverName: string | undefined): SniPick<T> | undefined {
    if (serverName) {
      const host = normaliseHostName(serverName);
      const exact = this.byName.get(host);
      if (exact !== undefined) return { id: exact.id, value: exact.value, match: "exact" };
      const wildcard = wildcardFor(host);
      const covering = wildcard === undefined ? undefined : this.byName.get(wildcard);
      if (covering !== undefined) return { id: covering.id, value: covering.value, match: "wildcard" };
    }
    const fallback = this.defaultEntry;
    return fallback === undefined ? undefined : { id: fallback.id, value: fallback.value, match: "default" };
  }
}
