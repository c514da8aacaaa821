// The routes file (ROUTES_FILE): YAML or JSON text -> the file provider's endpoints and
// static backends, validated with route-model; an error names the line and the reason.

import { CERT_ID } from "@signalbox/bus";
import {
  type Backend,
  normalizePattern,
  parseBackend,
  parseEndpoint,
  ValidationError,
} from "@signalbox/route-model";
import { LineCounter, parseDocument } from "yaml";
import type { ProviderEndpoint, ProviderRoute } from "../provider.js";

/** One entry of `certificates:`: paths as written (relative ones are relative to the routes file). */
export interface FileCertificate {
  id: string | undefined;
  cert: string;
  key: string;
  default: boolean;
}

export type RoutesFileResult =
  | { ok: true; endpoints: ProviderEndpoint[]; backends: Backend[]; certificates: FileCertificate[] }
  | { ok: false; line: number; column: number; reason: string };

export interface RoutesFileOptions {
  /** `connectedAt` of a backend: the provider keeps the first time it saw the id. */
  connectedAt: (backendId: string) => number;
}

const TOP_KEYS = ["endpoints", "backends", "certificates"];
const CERTIFICATE_KEYS = ["id", "cert", "key", "default"];
const ENDPOINT_KEYS = ["pattern", "routes", "filters", "sticky", "healthRequire", "tls"];
const ROUTE_KEYS = ["id", "name", "selector", "weight", "strategy"];
const BACKEND_KEYS = ["id", "service", "address", "labels", "weight", "state", "location"];
const DEFAULT_WEIGHT = 100;
const DEFAULT_STRATEGY = "round-robin";

/** Thrown inside the parser only, turned into `{ ok: false }` with the line of `path`. */
class FileProblem extends Error {
  constructor(
    readonly path: (string | number)[],
    reason: string,
  ) {
    super(reason);
  }
}

/**
 * Parses a routes file:
 * ```yaml
 * endpoints:
 *   - pattern: api.example.com/v1        # required
 *     routes:                             # selector (default ""), weight (100), strategy
 *       - { selector: "app=api", weight: 90, name: stable }   # `name` keys the route id; `id` pins it
 *     filters: [{ type: strip-prefix }]   # sticky, healthRequire, tls: optional booleans
 * backends:
 *   - { service: api, address: "10.0.0.1:8080", labels: { app: api } }   # id default file:<service>@<address>
 * certificates:                           # into signalbox-certs (source file); id and default optional
 *   - { cert: certs/api.pem, key: certs/api.key, id: api, default: true }
 * ```
 * Unknown keys, duplicate patterns (after normalising) and duplicate backend ids are errors.
 * JSON is read by the same YAML 1.2 parser. Never throws: a problem is `{ ok: false, line, reason }`.
 */
export function parseRoutesFile(text: string, opts: RoutesFileOptions): RoutesFileResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const pos = syntax.linePos?.[0] ?? { line: 1, col: 1 };
    return {
      ok: false,
      line: pos.line,
      column: pos.col,
      reason: (syntax.message.split("\n")[0] ?? syntax.code).replace(/ at line \d+, column \d+:?$/, ""),
    };
  }
  try {
    return { ok: true, ...readContent(doc.toJS() ?? {}, opts) };
  } catch (error) {
    const problem = toProblem(error);
    const pos = positionOf(doc, lineCounter, problem.path);
    return { ok: false, line: pos.line, column: pos.col, reason: problem.message };
  }
}

function readContent(
  root: unknown,
  opts: RoutesFileOptions,
): { endpoints: ProviderEndpoint[]; backends: Backend[]; certificates: FileCertificate[] } {
  const top = readObject(root, [], TOP_KEYS);
  const endpoints: ProviderEndpoint[] = [];
  const patterns = new Map<string, number>();
  for (const [i, item] of readList(top.endpoints, ["endpoints"]).entries()) {
    const endpoint = readEndpoint(item, i);
    const normalized = normalizePattern(endpoint.pattern);
    const first = patterns.get(normalized);
    if (first !== undefined) {
      throw new FileProblem(
        ["endpoints", i, "pattern"],
        `pattern "${endpoint.pattern}" repeats endpoints[${first}]`,
      );
    }
    patterns.set(normalized, i);
    endpoints.push(endpoint);
  }
  const backends: Backend[] = [];
  const ids = new Map<string, number>();
  for (const [i, item] of readList(top.backends, ["backends"]).entries()) {
    const backend = readBackend(item, i, opts);
    const first = ids.get(backend.id);
    if (first !== undefined)
      throw new FileProblem(["backends", i], `backend id "${backend.id}" repeats backends[${first}]`);
    ids.set(backend.id, i);
    backends.push(backend);
  }
  return { endpoints, backends, certificates: readCertificates(top.certificates) };
}

function readCertificates(x: unknown): FileCertificate[] {
  const certificates: FileCertificate[] = [];
  let defaultAt: number | undefined;
  for (const [i, item] of readList(x, ["certificates"]).entries()) {
    const at = ["certificates", i];
    const record = readObject(item, at, CERTIFICATE_KEYS);
    const path = (key: string): string => {
      const value = record[key];
      if (typeof value !== "string" || value === "")
        throw new FileProblem([...at, key], `${label([...at, key])} is not a file path`);
      return value;
    };
    if (record.id !== undefined && (typeof record.id !== "string" || !CERT_ID.test(record.id))) {
      throw new FileProblem(
        [...at, "id"],
        `${label([...at, "id"])} is not lower-case letters, digits, - and _`,
      );
    }
    if (record.default !== undefined && typeof record.default !== "boolean") {
      throw new FileProblem([...at, "default"], `${label([...at, "default"])} is not true or false`);
    }
    if (record.default === true) {
      if (defaultAt !== undefined)
        throw new FileProblem([...at, "default"], `certificates[${defaultAt}] is the default already`);
      defaultAt = i;
    }
    certificates.push({
      id: record.id,
      cert: path("cert"),
      key: path("key"),
      default: record.default === true,
    });
  }
  return certificates;
}

function readEndpoint(item: unknown, i: number): ProviderEndpoint {
  const at = ["endpoints", i];
  const record = readObject(item, at, ENDPOINT_KEYS);
  const rawRoutes = readList(record.routes, [...at, "routes"]).map((route, j) =>
    readObject(route, [...at, "routes", j], ROUTE_KEYS),
  );
  // route-model validates the endpoint; routes without a pinned id get a placeholder id for it.
  const candidate = {
    ...record,
    filters: record.filters ?? [],
    routes: rawRoutes.map((route, j) => ({
      id: route.id ?? `route${100_000 + j}`,
      selector: route.selector ?? "",
      weight: route.weight ?? DEFAULT_WEIGHT,
      strategy: route.strategy ?? DEFAULT_STRATEGY,
    })),
  };
  const endpoint = parseEndpoint(candidate, `endpoints[${i}]`);
  const normalized = normalizePattern(endpoint.pattern);
  const routes = endpoint.routes.map((route, j): ProviderRoute => {
    const raw = rawRoutes[j] ?? {};
    const name = raw.name === undefined ? String(j) : String(raw.name);
    const { id, ...rest } = route;
    return { ...rest, key: `file:${normalized}#${name}`, ...(raw.id === undefined ? {} : { id }) };
  });
  return { ...endpoint, routes };
}

function readBackend(item: unknown, i: number, opts: RoutesFileOptions): Backend {
  const record = readObject(item, ["backends", i], BACKEND_KEYS);
  const id =
    typeof record.id === "string" && record.id !== ""
      ? record.id
      : `file:${String(record.service)}@${String(record.address)}`;
  return parseBackend(
    { labels: {}, state: "up", ...record, id, source: "file", connectedAt: opts.connectedAt(id) },
    `backends[${i}]`,
  );
}

function readObject(x: unknown, path: (string | number)[], allowed: string[]): Record<string, unknown> {
  if (typeof x !== "object" || x === null || Array.isArray(x)) {
    throw new FileProblem(path, `${label(path)} is not a mapping`);
  }
  const record = x as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) {
      throw new FileProblem(
        [...path, key],
        `${label([...path, key])} is not a known key (${allowed.join(", ")})`,
      );
    }
  }
  return record;
}

function readList(x: unknown, path: (string | number)[]): unknown[] {
  if (x === undefined || x === null) return [];
  if (!Array.isArray(x)) throw new FileProblem(path, `${label(path)} is not a list`);
  return x;
}

function label(path: (string | number)[]): string {
  if (path.length === 0) return "the file";
  return path
    .map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join("");
}

/** A ValidationError's field (`endpoints[0].routes[1].weight`) becomes a path into the document. */
function toProblem(error: unknown): FileProblem {
  if (error instanceof FileProblem) return error;
  if (error instanceof ValidationError) {
    const path: (string | number)[] = [];
    for (const match of error.field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
      path.push(match[2] === undefined ? (match[1] as string) : Number(match[2]));
    }
    return new FileProblem(path, error.message);
  }
  return new FileProblem([], error instanceof Error ? error.message : String(error));
}

/** The line of the deepest node of `path` the document has (a missing field points at its parent). */
function positionOf(
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  path: (string | number)[],
): { line: number; col: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return lineCounter.linePos(range[0]);
  }
  return { line: 1, col: 1 };
}
