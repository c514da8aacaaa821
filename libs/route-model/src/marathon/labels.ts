// Marathon app labels -> route definitions (contract: ARCHITECTURE.md "Marathon labels").
//
// Three label schemes name where an app is served; when an app carries several, the first
// present wins and the others are ignored:
//   1. signalbox.host (+ signalbox.path, signalbox.filters)
//   2. heimdall.host + heimdall.path (both required; + heimdall.filters, heimdall.options or
//      heimdall.opts, heimdall.strip_path)
//   3. marathon-lb HAPROXY_{n}_VHOST (+ HAPROXY_{n}_PATH), one set per port index n
// Signalbox's own knobs apply to whichever scheme is chosen: signalbox.weight,
// signalbox.strategy, signalbox.sticky, signalbox.health.require, signalbox.health.path and
// (not for HAPROXY, whose n is the port index) signalbox.port-index.
import { PatternSyntaxError, ValidationError } from "../errors.js";
import { checkFilterHeaders, parseFilterSpec } from "../model/filter.js";
import { readStrategy } from "../model/route.js";
import type { FilterSpec } from "../model/types.js";
import { normalizePattern, parsePattern } from "../pattern/parse.js";

/** Where and how one app port is served: one route of one endpoint. */
export interface RouteDefinition {
  /** Normalized endpoint pattern (`shop.example.com/cart`). */
  pattern: string;
  portIndex: number;
  /** The label that chose the port index (named in warnings about it). */
  portIndexLabel: string;
  weight: number;
  strategy: string;
  filters: FilterSpec[];
  sticky?: boolean;
  healthRequire?: boolean;
  tls?: boolean;
}

export type LabelsResult = { ok: true; routes: RouteDefinition[] } | { ok: false; warning: string };

/** Defaults of the signalbox.* knobs (ARCHITECTURE.md "Marathon labels"). */
const DEFAULT_WEIGHT = 100;
const DEFAULT_STRATEGY = "round-robin";
const HAPROXY_VHOST = /^HAPROXY_(\d+)_VHOST$/;

type Knobs = Omit<RouteDefinition, "pattern" | "portIndexLabel" | "filters">;
type Labels = Record<string, string>;

/**
 * Reads an app's routing labels. `{ ok: true, routes: [] }` when the app has none (it is skipped
 * silently); `{ ok: false, warning }` naming the app, the label and its value when one is invalid
 * (`app /shop: signalbox.weight "abc" is not an integer 0..10000`). Never throws.
 */
export function routeDefinitionsFromLabels(appId: string, labels: Labels): LabelsResult {
  try {
    return { ok: true, routes: readRoutes(labels) };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { ok: false, warning: `app ${appId}: ${error.message}` };
  }
}

function readRoutes(labels: Labels): RouteDefinition[] {
  if (labels["signalbox.host"] !== undefined) return readSignalboxScheme(labels);
  if (labels["heimdall.host"] !== undefined || labels["heimdall.path"] !== undefined) {
    return readHeimdallScheme(labels);
  }
  const vhostLabels = Object.keys(labels).filter((name) => HAPROXY_VHOST.test(name));
  if (vhostLabels.length > 0) return readHaproxyScheme(labels, vhostLabels);
  const stray = Object.keys(labels).find((name) => name.startsWith("signalbox."));
  if (stray !== undefined) {
    throw new ValidationError("signalbox.host", undefined, `is required when ${stray} is set`);
  }
  return [];
}

function readSignalboxScheme(labels: Labels): RouteDefinition[] {
  const knobs = readKnobs(labels, true);
  const pattern = readPattern(labels, "signalbox.host", "signalbox.path");
  const filters = readFilterList(labels, "signalbox.filters", false);
  return [{ ...knobs, pattern, portIndexLabel: "signalbox.port-index", filters }];
}

function readHeimdallScheme(labels: Labels): RouteDefinition[] {
  const knobs = readKnobs(labels, true);
  for (const [name, other] of [
    ["heimdall.host", "heimdall.path"],
    ["heimdall.path", "heimdall.host"],
  ] as const) {
    if (labels[name] === undefined) {
      throw new ValidationError(name, undefined, `is required when ${other} is set`);
    }
  }
  const pattern = readPattern(labels, "heimdall.host", "heimdall.path");
  const filters = readFilterList(labels, "heimdall.filters", true);
  const prefix = pathOfPattern(pattern);
  // Heimdall strips the matched path before forwarding unless told not to; it does so last.
  if (readHeimdallStripPath(labels) && prefix !== "/") filters.push({ type: "strip-prefix", prefix });
  return [{ ...knobs, pattern, portIndexLabel: "signalbox.port-index", filters }];
}

function readHaproxyScheme(labels: Labels, vhostLabels: string[]): RouteDefinition[] {
  const knobs = readKnobs(labels, false);
  const routes: RouteDefinition[] = [];
  for (const vhostLabel of vhostLabels.sort()) {
    const digits = HAPROXY_VHOST.exec(vhostLabel)?.[1] ?? "";
    const portIndex = Number(digits);
    const pathLabel = `HAPROXY_${digits}_PATH`;
    const vhosts = (labels[vhostLabel] ?? "").split(",").map((host) => host.trim());
    if (vhosts.every((host) => host === "")) {
      throw new ValidationError(vhostLabel, labels[vhostLabel], "names no host");
    }
    const patterns = new Set(
      vhosts
        .filter((host) => host !== "")
        .map((host) => patternOf(host, vhostLabel, labels[pathLabel], pathLabel)),
    );
    for (const pattern of patterns) {
      routes.push({ ...knobs, pattern, portIndex, portIndexLabel: vhostLabel, filters: [] });
    }
  }
  return routes;
}

/** signalbox.weight / strategy / sticky / health.* / tls / port-index, validated whatever the scheme. */
function readKnobs(labels: Labels, readPortIndex: boolean): Knobs {
  const knobs: Knobs = {
    weight: readInteger(labels, "signalbox.weight", DEFAULT_WEIGHT, 10000),
    strategy: readStrategyLabel(labels),
    portIndex: readPortIndex ? readInteger(labels, "signalbox.port-index", 0, 1000) : 0,
  };
  const sticky = readFlag(labels, "signalbox.sticky");
  if (sticky !== undefined) knobs.sticky = sticky;
  const healthRequire = readFlag(labels, "signalbox.health.require");
  if (healthRequire !== undefined) knobs.healthRequire = healthRequire;
  const tls = readTlsLabel(labels);
  if (tls !== undefined) knobs.tls = tls;
  const healthPath = labels["signalbox.health.path"];
  // The health service reads this label from the backend's labels; here it is only checked.
  if (healthPath !== undefined && !/^\/\S*$/.test(healthPath)) {
    throw new ValidationError("signalbox.health.path", healthPath, "is not a path starting with /");
  }
  return knobs;
}

function readInteger(labels: Labels, name: string, fallback: number, max: number): number {
  const text = labels[name];
  if (text === undefined) return fallback;
  const value = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || value > max) {
    throw new ValidationError(name, text, `is not an integer 0..${max}`);
  }
  return value;
}

function readStrategyLabel(labels: Labels): string {
  const text = labels["signalbox.strategy"];
  return text === undefined ? DEFAULT_STRATEGY : readStrategy(text.trim(), "signalbox.strategy");
}

/**
 * `signalbox.tls`: `true`/`false`, or the contract's `acme` (get a certificate), read as `true`
 * until ACME is built: the endpoint needs a certificate, and the TLS warnings say when none covers it.
 */
function readTlsLabel(labels: Labels): boolean | undefined {
  if (labels["signalbox.tls"]?.trim() === "acme") return true;
  try {
    return readFlag(labels, "signalbox.tls");
  } catch {
    throw new ValidationError("signalbox.tls", labels["signalbox.tls"], "is not true, false or acme");
  }
}

function readFlag(labels: Labels, name: string): boolean | undefined {
  const text = labels[name];
  if (text === undefined) return undefined;
  if (text.trim() === "true") return true;
  if (text.trim() === "false") return false;
  throw new ValidationError(name, text, "is not true or false");
}

/** The host label (one host) and the path label (default `/`) as a normalized pattern. */
function readPattern(labels: Labels, hostLabel: string, pathLabel: string): string {
  const host = (labels[hostLabel] ?? "").trim();
  if (host.includes(",")) throw new ValidationError(hostLabel, labels[hostLabel], "names more than one host");
  return patternOf(host, hostLabel, labels[pathLabel], pathLabel);
}

function patternOf(host: string, hostLabel: string, pathText: string | undefined, pathLabel: string): string {
  if (host === "" || host.includes("/")) throw new ValidationError(hostLabel, host, "is not a host name");
  const path = (pathText ?? "/").trim();
  if (!/^\/\S*$/.test(path) || /[?#]/.test(path)) {
    throw new ValidationError(pathLabel, pathText, "is not a path starting with /");
  }
  const pattern = path === "/" ? host : `${host}${path}`;
  try {
    parsePattern(pattern);
  } catch (error) {
    if (!(error instanceof PatternSyntaxError)) throw error;
    const [label, value] = error.position < host.length ? [hostLabel, host] : [pathLabel, pathText];
    throw new ValidationError(label, value, `is not valid in an endpoint pattern: ${error.message}`, {
      cause: error,
    });
  }
  return normalizePattern(pattern);
}

function pathOfPattern(pattern: string): string {
  const slash = pattern.indexOf("/");
  return slash < 0 ? "/" : pattern.slice(slash);
}

/**
 * A JSON array of FilterSpec objects. With `typeNames`, heimdall's style of naming a filter by
 * a string is accepted for filters without parameters (`["redirect-https"]`); a string naming an
 * Elixir plug is an unknown filter type and rejects the app (heimdall crashed on those).
 */
function readFilterList(labels: Labels, name: string, typeNames: boolean): FilterSpec[] {
  const text = labels[name];
  if (text === undefined) return [];
  const list = readJson(text, name);
  if (!Array.isArray(list)) throw new ValidationError(name, text, "is not a JSON array of filters");
  return list.map((entry, i) => {
    const spec = parseFilterSpec(
      typeNames && typeof entry === "string" ? { type: entry } : entry,
      `${name}[${i}]`,
    );
    checkFilterHeaders(spec, `${name}[${i}]`);
    return spec;
  });
}

/**
 * heimdall.strip_path: the label (only "true" means true, as in heimdall), else `strip_path` in
 * heimdall.options (preferred, as heimdall's code reads it) or heimdall.opts (its README), else true.
 */
function readHeimdallStripPath(labels: Labels): boolean {
  const label = labels["heimdall.strip_path"];
  if (label !== undefined) return label.trim() === "true";
  const optionsLabel = labels["heimdall.options"] !== undefined ? "heimdall.options" : "heimdall.opts";
  const text = labels[optionsLabel];
  if (text === undefined) return true;
  const options = readJson(text, optionsLabel);
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new ValidationError(optionsLabel, text, "is not a JSON object");
  }
  const strip: unknown = (options as Record<string, unknown>).strip_path;
  if (strip === undefined || strip === true || strip === "true") return true;
  if (strip === false || strip === "false") return false;
  throw new ValidationError(`${optionsLabel}.strip_path`, strip, "is not true or false");
}

function readJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(name, text, "is not valid JSON", { cause: error });
  }
}
