// The one interface every watcher provider implements (Traefik's shape): a provider
// emits its whole current state; table/table-builder.ts merges, compiles, versions
// and publishes. Providers never write KV or assign versions or route ids.
import type { Backend, BackendSource, Endpoint, Route } from "@signalbox/route-model";

/**
 * A route as a provider knows it. `key` is stable for the route's origin
 * (`marathon:/shop/web:0`, `file:api.example.com/v1#0`), so the builder can keep
 * the `routeNNN` id it assigned across rebuilds. `id` is set only by sources that
 * own their ids (the control API).
 */
export type ProviderRoute = Omit<Route, "id"> & { key: string; id?: string };

export type ProviderEndpoint = Omit<Endpoint, "routes"> & { routes: ProviderRoute[] };

export interface ProviderSnapshot {
  source: BackendSource;
  endpoints: ProviderEndpoint[];
  backends: Backend[];
  /** Human-readable, naming the item and the reason (`app /shop: signalbox.weight "abc" is not 0..10000`). */
  warnings: string[];
  /** Control API `shape`: pattern -> routeId -> weight, applied after merging. */
  weightOverrides?: Record<string, Record<string, number>>;
}

export interface Provider {
  readonly source: BackendSource;
  /** Runs until `signal` aborts; calls `emit` with every new whole snapshot. */
  run(emit: (snapshot: ProviderSnapshot) => void, signal: AbortSignal): Promise<void>;
}
