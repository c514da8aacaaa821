// Marathon `/v2/apps?embed=apps.tasks` apps -> the endpoints, routes and backends of the
// Marathon provider's snapshot (contract: ARCHITECTURE.md "Marathon labels", "Who may get traffic").
import { ValidationError } from "../errors.js";
import { formatAddress, parseAddress } from "../model/address.js";
import { isRecord, readArray, readNumber, readString, readStringMap } from "../model/fields.js";
import type { Backend, Endpoint, Route } from "../model/types.js";
import { parseSelector } from "../selector/parse.js";
import { compareText } from "../table/canonical.js";
import { type RouteDefinition, routeDefinitionsFromLabels } from "./labels.js";
import { portCountOf, taskAddresses } from "./ports.js";

/** A route as the Marathon provider knows it: keyed by origin, the builder assigns the `routeNNN` id. */
export type ProviderRouteLike = Omit<Route, "id"> & { key: string };
export type ProviderEndpointLike = Omit<Endpoint, "routes"> & { routes: ProviderRouteLike[] };

export interface MarathonTranslation {
  /** Sorted by pattern; each endpoint's routes sorted by key. */
  endpoints: ProviderEndpointLike[];
  /** Sorted by id. */
  backends: Backend[];
  /** One per skipped app or task, naming it and the reason. */
  warnings: string[];
}

interface AppTranslation {
  routes: { definition: RouteDefinition; route: ProviderRouteLike }[];
  backends: Backend[];
  warnings: string[];
}

interface EndpointDraft {
  endpoint: Omit<ProviderEndpointLike, "routes">;
  ownerAppId: string;
  routes: Map<string, ProviderRouteLike>;
}

/**
 * Translates the apps of one `/v2/apps?embed=apps.tasks` answer. Each app with routing labels
 * gives one route per (pattern, port index) with key `marathon:<appId>:<portIndex>` and selector
 * `marathon.app=<appId>,marathon.port-index=<n>`; apps serving the same pattern share one endpoint
 * (blue/green, canary) whose filters/sticky/healthRequire come from the app with the smallest id.
 * Each TASK_RUNNING task that passes every health check of its app (when the app has any) becomes
 * one Backend per routed port index, id `<taskId>:<portIndex>`. An app without routing labels is
 * skipped silently; a bad app or task is skipped with a warning; this function never throws.
 */
export function marathonAppsToSnapshot(apps: unknown[], opts: { now: number }): MarathonTranslation {
  const warnings: string[] = [];
  const endpoints = new Map<string, EndpointDraft>();
  const backends: Backend[] = [];
  for (const { id, app } of identifyApps(apps, warnings)) {
    let translation: AppTranslation | undefined;
    try {
      translation = translateApp(id, app, opts.now);
    } catch (error) {
      warnings.push(`app ${id}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (translation === undefined) continue;
    warnings.push(...translation.warnings);
    for (const backend of translation.backends) backends.push(backend);
    for (const { definition, route } of translation.routes) {
      const warning = addRoute(endpoints, id, definition, route);
      if (warning !== undefined) warnings.push(warning);
    }
  }
  return {
    endpoints: [...endpoints.values()]
      .map((draft) => ({
        ...draft.endpoint,
        routes: [...draft.routes.values()].sort((a, b) => compareText(a.key, b.key)),
      }))
      .sort((a, b) => compareText(a.pattern, b.pattern)),
    backends: lastOfEachId(backends.sort((a, b) => compareText(a.id, b.id))),
    warnings,
  };
}

/** Of backends sorted by id (stable), the last one listed for each id: a later app's task wins. */
function lastOfEachId(sorted: Backend[]): Backend[] {
  return sorted.filter((backend, i) => sorted[i + 1]?.id !== backend.id);
}

/** Objects with a usable, unique `id`, sorted by id so that "first app wins" rules are stable. */
function identifyApps(apps: unknown[], warnings: string[]): { id: string; app: Record<string, unknown> }[] {
  const byId = new Map<string, Record<string, unknown>>();
  for (const [i, app] of apps.entries()) {
    const id = isRecord(app) ? app.id : undefined;
    if (!isRecord(app)) {
      warnings.push(`apps[${i}]: is not an app object`);
    } else if (typeof id !== "string" || !isSelectorValue(id)) {
      warnings.push(`apps[${i}]: ${new ValidationError("id", id, "is not a Marathon app id").message}`);
    } else if (byId.has(id)) {
      warnings.push(`app ${id}: listed twice; the first one is used`);
    } else {
      byId.set(id, app);
    }
  }
  return [...byId].sort(([a], [b]) => compareText(a, b)).map(([id, app]) => ({ id, app }));
}

/** The app's routes and backends; undefined without routing labels; throws ValidationError for a bad app. */
function translateApp(id: string, app: Record<string, unknown>, now: number): AppTranslation | undefined {
  if (app.labels === undefined || app.labels === null) return undefined;
  const labels = readStringMap(app.labels, "labels");
  const result = routeDefinitionsFromLabels(id, labels);
  if (!result.ok) return { routes: [], backends: [], warnings: [result.warning] };
  if (result.routes.length === 0) return undefined;
  const portCount = portCountOf(app);
  const beyond = result.routes.find((definition) => definition.portIndex >= portCount);
  if (beyond !== undefined) {
    const value = labels[beyond.portIndexLabel];
    const named = value === undefined ? "" : ` ${JSON.stringify(value)}`;
    const reason = `port index ${beyond.portIndex} is beyond the app's ${portCount} port(s)`;
    return { routes: [], backends: [], warnings: [`app ${id}: ${beyond.portIndexLabel}${named}: ${reason}`] };
  }
  const portIndexes = [...new Set(result.routes.map((definition) => definition.portIndex))];
  const { backends, warnings } = backendsOf(id, app, labels, portIndexes, now);
  const routes = result.routes.map((definition) => ({
    definition,
    route: {
      key: `marathon:${id}:${definition.portIndex}`,
      selector: `marathon.app=${id},marathon.port-index=${definition.portIndex}`,
      weight: definition.weight,
      strategy: definition.strategy,
    },
  }));
  return { routes, backends, warnings };
}

function backendsOf(
  appId: string,
  app: Record<string, unknown>,
  labels: Record<string, string>,
  portIndexes: number[],
  now: number,
): { backends: Backend[]; warnings: string[] } {
  const backends: Backend[] = [];
  const warnings: string[] = [];
  const tasks = app.tasks === undefined ? [] : readArray(app.tasks, "tasks");
  const checked = Array.isArray(app.healthChecks) && app.healthChecks.length > 0;
  const addressOf = taskAddresses(app);
  const labelsOf = backendLabels(appId, labels);
  for (const [i, task] of tasks.entries()) {
    if (!isRecord(task) || typeof task.id !== "string" || task.id === "") {
      warnings.push(`app ${appId}: tasks[${i}] has no task id; left out`);
      continue;
    }
    if (!isInRotation(task, checked)) continue;
    const startedAt = typeof task.startedAt === "string" ? Date.parse(task.startedAt) : Number.NaN;
    const version = typeof task.version === "string" ? task.version : app.version;
    for (const portIndex of portIndexes) {
      const address = addressOf(task, portIndex);
      if (address === undefined) {
        warnings.push(`app ${appId}: task ${task.id} has no address for port index ${portIndex}; left out`);
        continue;
      }
      try {
        backends.push(
          marathonBackend(
            `${task.id}:${portIndex}`,
            appId,
            address,
            labelsOf(version, portIndex),
            startedAt,
            now,
          ),
        );
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        warnings.push(`app ${appId}: task ${task.id}: ${error.message}; left out`);
      }
    }
  }
  return { backends, warnings };
}

/**
 * The Backend parseBackend would give for these fields, checking only what can be wrong here
 * (the service, the address, connectedAt), in its order and with its messages: the id is never
 * empty, and the labels were read as a string map with the app.
 */
function marathonBackend(
  id: string,
  appId: string,
  address: { host: string; port: number },
  labels: Record<string, string>,
  startedAt: number,
  now: number,
): Backend {
  return {
    id,
    service: readString(appId, "service"),
    address: parseAddress(formatAddress(address.host, address.port), "address"),
    labels,
    state: "up",
    source: "marathon",
    connectedAt: readNumber(Number.isNaN(startedAt) ? now : startedAt, "connectedAt", {
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
    }),
  };
}

/**
 * A backend's labels: the app's plus `marathon.app`, `marathon.version` (when a string) and
 * `marathon.port-index`. One object per version and port index, shared by the app's tasks
 * (table entries are never changed), instead of one per task.
 */
function backendLabels(
  appId: string,
  labels: Record<string, string>,
): (version: unknown, portIndex: number) => Record<string, string> {
  const made = new Map<string, Record<string, string>>();
  // Tasks of one app mostly share a version: the last set per port index is checked first.
  const last = new Map<number, { version: unknown; set: Record<string, string> }>();
  return (version, portIndex) => {
    const recent = last.get(portIndex);
    if (recent !== undefined && recent.version === version) return recent.set;
    const key = `${portIndex} ${typeof version === "string" ? `=${version}` : "-"}`;
    let set = made.get(key);
    if (set === undefined) {
      set = { ...labels, "marathon.app": appId };
      if (typeof version === "string") set["marathon.version"] = version;
      set["marathon.port-index"] = String(portIndex);
      made.set(key, set);
    }
    last.set(portIndex, { version, set });
    return set;
  };
}

/**
 * The Marathon gate (ARCHITECTURE.md "Who may get traffic"): TASK_RUNNING and, when the app has
 * health checks, a non-empty `healthCheckResults` whose every entry is alive.
 */
function isInRotation(task: Record<string, unknown>, appHasHealthChecks: boolean): boolean {
  if (task.state !== "TASK_RUNNING") return false;
  if (!appHasHealthChecks) return true;
  const results = task.healthCheckResults;
  return (
    Array.isArray(results) &&
    results.length > 0 &&
    results.every((result) => isRecord(result) && result.alive === true)
  );
}

/** Adds one app's route to its endpoint; returns a warning when the app's endpoint settings lose. */
function addRoute(
  endpoints: Map<string, EndpointDraft>,
  appId: string,
  definition: RouteDefinition,
  route: ProviderRouteLike,
): string | undefined {
  const settings: Omit<ProviderEndpointLike, "routes"> = {
    pattern: definition.pattern,
    filters: definition.filters,
  };
  if (definition.sticky !== undefined) settings.sticky = definition.sticky;
  if (definition.healthRequire !== undefined) settings.healthRequire = definition.healthRequire;
  if (definition.tls !== undefined) settings.tls = definition.tls;
  const draft = endpoints.get(definition.pattern);
  if (draft === undefined) {
    endpoints.set(definition.pattern, {
      endpoint: settings,
      ownerAppId: appId,
      routes: new Map([[route.key, route]]),
    });
    return undefined;
  }
  draft.routes.set(route.key, route);
  if (draft.ownerAppId === appId || JSON.stringify(draft.endpoint) === JSON.stringify(settings))
    return undefined;
  return `app ${appId}: endpoint ${definition.pattern} keeps the filters, sticky and health.require of app ${draft.ownerAppId}; this app's differ`;
}

/** True when `value` survives as one selector value (`marathon.app=<value>`). */
function isSelectorValue(value: string): boolean {
  try {
    const [requirement] = parseSelector(`marathon.app=${value}`);
    return requirement?.values[0] === value;
  } catch {
    return false;
  }
}
