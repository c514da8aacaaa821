// Local checks of command-line values with the same parsers the watcher uses, so bad input
// exits 2 without touching NATS; each UsageError names the argument and the value.
import { MAX_WEIGHT, parseTtl, TOKEN_ID } from "@signalbox/bus";
import {
  type FilterSpec,
  normalizePattern,
  PatternSyntaxError,
  parseFilterSpec,
  parseSelector,
  parseStrategy,
  SelectorSyntaxError,
  ValidationError,
} from "@signalbox/route-model";
import { UsageError } from "./errors.js";

const ROUTE_ID = /^route\d{3,}$/;
const WHOLE_NUMBER = /^\d+$/;

/** The normalised pattern (`API.test/` -> `api.test`). */
export function readPattern(text: string): string {
  try {
    return normalizePattern(text);
  } catch (error) {
    if (error instanceof PatternSyntaxError) {
      throw new UsageError(
        `${error.message}; a pattern looks like example.com, *.example.com or example.com/blog`,
      );
    }
    throw error;
  }
}

/** A label selector (`app=web,tier in (a,b),!canary`); "" matches every backend. */
export function readSelector(text: string): string {
  try {
    parseSelector(text);
    return text;
  } catch (error) {
    if (error instanceof SelectorSyntaxError) {
      throw new UsageError(`${error.message}; a selector looks like "app=web,tier in (a,b),!canary"`);
    }
    throw error;
  }
}

/** A whole number 0..10000; `what` names the argument in the message (`--weight`, `route001`). */
export function readWeight(text: string, what: string): number {
  const weight = Number(text);
  if (!WHOLE_NUMBER.test(text) || weight > MAX_WEIGHT) {
    throw new UsageError(`${what}: weight "${text}" is not a whole number 0..${MAX_WEIGHT}`);
  }
  return weight;
}

export function readStrategy(text: string): string {
  try {
    parseStrategy(text);
    return text;
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new UsageError(
        `--strategy "${text}" is not one of round-robin, least-load, random, p2c, hash:header:<name>, hash:cookie:<name>`,
      );
    }
    throw error;
  }
}

/** `--filters '[{"type":"strip-prefix"}]'`: a JSON array of filter specs. */
export function readFilters(text: string): FilterSpec[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `--filters is not JSON (${(error as Error).message}); give an array like '[{"type":"strip-prefix"}]'`,
    );
  }
  if (!Array.isArray(json))
    throw new UsageError(`--filters must be a JSON array of filters, like '[{"type":"strip-prefix"}]'`);
  return json.map((filter, index) => {
    try {
      return parseFilterSpec(filter);
    } catch (error) {
      if (error instanceof ValidationError) throw new UsageError(`--filters[${index}]: ${error.message}`);
      throw error;
    }
  });
}

export function readRouteId(text: string): string {
  if (!ROUTE_ID.test(text))
    throw new UsageError(`route id "${text}" is not like route000 (signalbox query lists the ids)`);
  return text;
}

/** `route000=90 route001=10`: each route once, each weight 0..10000. */
export function readShapeWeights(args: readonly string[]): { routeId: string; weight: number }[] {
  const seen = new Set<string>();
  return args.map((arg) => {
    const eq = arg.indexOf("=");
    if (eq < 0) throw new UsageError(`"${arg}" is not <routeId>=<weight>, like route000=90`);
    const routeId = readRouteId(arg.slice(0, eq));
    if (seen.has(routeId)) throw new UsageError(`${routeId} is given twice; give each route once`);
    seen.add(routeId);
    return { routeId, weight: readWeight(arg.slice(eq + 1), routeId) };
  });
}

/** `30m`, `24h`, `7d`: checked here, sent as text (the watcher parses it again). */
export function readTtl(text: string): string {
  try {
    parseTtl(text);
    return text;
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(`--ttl: ${error.message}`);
    throw error;
  }
}

export function readTokenId(text: string): string {
  if (!TOKEN_ID.test(text)) {
    throw new UsageError(
      `"${text}" is not a token id like tok_0123456789ab (signalbox token list shows them)`,
    );
  }
  return text;
}

function readService(text: string): string {
  if (text.trim() === "")
    throw new UsageError("--service must not be empty; give the service name, like /shop/web");
  return text;
}

/** `token create`'s scope, as token.create takes it: `--service S` or `--any-service`, exactly one. */
export function readTokenScope(options: {
  service?: string;
  anyService?: boolean;
}): { service: string } | { anyService: true } {
  if (options.service !== undefined && options.anyService === true)
    throw new UsageError("--service and --any-service exclude each other");
  if (options.anyService === true) return { anyService: true };
  if (options.service === undefined)
    throw new UsageError(
      "--service is required: a token is for one service (AGENT_SERVICE), like --service /shop/web; --any-service makes one any service may use",
    );
  return { service: readService(options.service) };
}
