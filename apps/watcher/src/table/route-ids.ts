// Stable `routeNNN` ids per endpoint: a route keeps the id it got for as long as its
// key (`marathon:/shop/web:0`) is present, so sticky cookies and `shape` weights hold.

/** A route with a provider key, and the pinned id when its source owns ids (control API). */
export interface KeyedRoute {
  key: string;
  id?: string;
}

export interface RouteIdAllocator {
  /**
   * Ids for the routes of one endpoint. A route that carries an `id` keeps it; every other
   * key keeps the id it had, unless a pinned id took it; a new key gets the lowest free
   * `routeNNN`. Keys that are gone are forgotten (their ids become free).
   */
  assign(pattern: string, routes: readonly KeyedRoute[]): string[];
  /** Forgets every endpoint not in `patterns` (after building every endpoint). */
  retain(patterns: ReadonlySet<string>): void;
  /** Forgets one endpoint (no source has it any more). */
  forget(pattern: string): void;
  /** Replaces all remembered ids (a new leader adopts the ids of the table it continues). */
  reset(seed: ReadonlyMap<string, ReadonlyMap<string, string>>): void;
}

export function formatRouteId(n: number): string {
  return `route${String(n).padStart(3, "0")}`;
}

export function createRouteIdAllocator(): RouteIdAllocator {
  let byPattern = new Map<string, Map<string, string>>();
  return {
    assign(pattern, routes) {
      const previous = byPattern.get(pattern) ?? new Map<string, string>();
      const taken = new Set<string>();
      for (const route of routes) if (route.id !== undefined) taken.add(route.id);
      const next = new Map<string, string>();
      // Keys that keep their id first, so a new key never grabs an id in use.
      for (const route of routes) {
        if (route.id !== undefined) continue;
        const id = previous.get(route.key);
        if (id !== undefined && !taken.has(id)) {
          next.set(route.key, id);
          taken.add(id);
        }
      }
      let candidate = 0;
      const ids = routes.map((route) => {
        if (route.id !== undefined) return route.id;
        const kept = next.get(route.key);
        if (kept !== undefined) return kept;
        while (taken.has(formatRouteId(candidate))) candidate++;
        const id = formatRouteId(candidate);
        taken.add(id);
        next.set(route.key, id);
        return id;
      });
      byPattern.set(pattern, next);
      return ids;
    },
    retain(patterns) {
      for (const pattern of byPattern.keys()) if (!patterns.has(pattern)) byPattern.delete(pattern);
    },
    forget(pattern) {
      byPattern.delete(pattern);
    },
    reset(seed) {
      byPattern = new Map([...seed].map(([pattern, ids]) => [pattern, new Map(ids)]));
    },
  };
}
