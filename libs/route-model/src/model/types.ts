// The Signalbox data model (contract: shared/design/ARCHITECTURE.md "Data model").
// Plain, JSON-serialisable values: they travel over NATS KV as they are.

/** Where a Backend came from. */
export type BackendSource = "marathon" | "agent" | "file" | "api";

/** `draining` and `down` backends get no new requests. */
export type BackendState = "up" | "draining" | "down";

export const BACKEND_STATES: readonly BackendState[] = ["up", "draining", "down"];
export const BACKEND_SOURCES: readonly BackendSource[] = ["marathon", "agent", "file", "api"];

/** Geo location of a backend (Backplane's Location, camelCased); every field optional. */
export interface Location {
  latitude?: number;
  longitude?: number;
  cityName?: string;
  countryCode?: string;
  countryName?: string;
  continentCode?: string;
  continentName?: string;
  regionCode?: string;
  regionName?: string;
}

export interface Backend {
  /** Unique across the table. Marathon: `<taskId>:<portIndex>`; agent: assigned at registration. */
  id: string;
  /** Marathon app id (`/shop/web`), AGENT_SERVICE, or the routes file's name. */
  service: string;
  /** `host:port` (IPv6 as `[::1]:8080`). */
  address: string;
  labels: Record<string, string>;
  state: BackendState;
  /** 0..100, reported by an agent. */
  load?: number;
  /** Requests per second, reported by an agent or aggregated from routers. */
  rps?: number;
  /** Relative share within a route for round-robin (default 1). */
  weight?: number;
  location?: Location;
  source: BackendSource;
  /** Epoch ms when the backend joined. */
  connectedAt: number;
}

/**
 * `round-robin` (default), `least-load`, `random`, `p2c`, `hash:header:<name>`,
 * `hash:cookie:<name>`. Parsed by `parseStrategy` in strategies/.
 */
export type StrategyName = string;

export interface Route {
  /** `route000`, `route001`, ... unique within its endpoint. */
  id: string;
  /** Label selector, see selector/parse.ts. */
  selector: string;
  /** 0..10000; 0 gets no traffic. */
  weight: number;
  strategy: StrategyName;
}

/** One entry of an endpoint's ordered filter chain (applied by the router). */
export type FilterSpec =
  | { type: "strip-prefix"; prefix?: string }
  | { type: "request-headers"; set?: Record<string, string>; remove?: string[] }
  | { type: "response-headers"; set?: Record<string, string>; remove?: string[] }
  | { type: "redirect-https"; status?: 301 | 302 | 307 | 308 }
  | { type: "rate-limit"; ratePerSecond: number; burst: number }
  /** Strict-Transport-Security on responses to HTTPS requests (RFC 6797); `maxAge` in seconds. */
  | { type: "hsts"; maxAge: number; includeSubDomains?: boolean; preload?: boolean };

export interface Endpoint {
  /** `example.com`, `www.example.com/blog`, `*.example.com/api`. */
  pattern: string;
  routes: Route[];
  filters: FilterSpec[];
  /** Sticky canaries: a cookie pins a client to the route it got while its weight is > 0. */
  sticky?: boolean;
  /** `signalbox.health.require=true`: new backends wait for their first passing probe. */
  healthRequire?: boolean;
  /** `signalbox.tls=true` / `tls: true`: the endpoint must be served with a certificate covering its host. */
  tls?: boolean;
}

/**
 * Tables and their entries are immutable values: a new table holds a new object for each endpoint
 * or backend that changed and may share the unchanged ones with the table before. hashTable,
 * diffTables and compileTable cache per entry object and rely on it.
 */
export interface RouteTable {
  /** Monotonic; 0 means "no watcher has written yet". */
  version: number;
  /** Epoch ms. */
  generatedAt: number;
  endpoints: Endpoint[];
  backends: Backend[];
}
