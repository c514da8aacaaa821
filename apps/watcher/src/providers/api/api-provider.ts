// The control API's provider: watches the `api.>` entries of signalbox-config and emits the
// endpoints and routes the API defined (with their own route ids) and the `shape` weight
// overrides, as one snapshot after each change. The API writes KV; this only reads it.
import { createBackoff, sleep } from "@signalbox/backoff";
import { apiEndpointRecordSchema, apiShapeRecordSchema, configKeys, createCodec } from "@signalbox/bus";
import { parseEndpoint, ValidationError } from "@signalbox/route-model";
import type { Logger } from "pino";
import type { KV } from "../../bus-types.js";
import type { Provider, ProviderEndpoint, ProviderSnapshot } from "../provider.js";

export interface ApiProviderOptions {
  /** The bucket from `openConfigBucket(nc)`. */
  configKv: KV;
  logger: Logger;
}

// No logger: an entry no codec accepts becomes a warning of the snapshot instead.
const endpointCodec = createCodec("api-endpoint-record", apiEndpointRecordSchema);
const shapeCodec = createCodec("api-shape-record", apiShapeRecordSchema);

/** After the watch fails (NATS gone for long), wait this long, with jitter, before watching again. */
const RETRY = { baseMs: 500, capMs: 10_000 };

/**
 * The first snapshot comes once the entries stored at start were all read (so a restart never
 * shows a table without the API's routes); later ones after each change. A bad entry becomes a
 * warning naming its key, never a missing snapshot.
 */
export function createApiProvider(opts: ApiProviderOptions): Provider {
  return { source: "api", run: (emit, signal) => runApi(opts, emit, signal) };
}

async function runApi(
  opts: ApiProviderOptions,
  emit: (snapshot: ProviderSnapshot) => void,
  signal: AbortSignal,
): Promise<void> {
  const logger = opts.logger.child({ component: "api-provider" });
  const backoff = createBackoff(RETRY);
  while (!signal.aborted) {
    try {
      await watchOnce(opts.configKv, emit, signal, () => backoff.reset());
      if (!signal.aborted) logger.warn("signalbox-config watch ended; watching again");
    } catch (error) {
      if (signal.aborted) break;
      logger.error({ err: error }, "signalbox-config watch failed; retrying");
    }
    await sleep(backoff.next() ?? RETRY.capMs, { signal }).catch(() => undefined);
  }
}

async function watchOnce(
  configKv: KV,
  emit: (snapshot: ProviderSnapshot) => void,
  signal: AbortSignal,
  onRead: () => void,
): Promise<void> {
  const entries = new Map<string, Uint8Array>();
  const watch = await configKv.watch({ key: configKeys.apiAll });
  const stop = () => watch.stop();
  signal.addEventListener("abort", stop, { once: true });
  try {
    let initialised = false;
    // The watch marks the last stored entry `isUpdate`; with none stored it marks nothing.
    const stored = await configKv.keys(configKeys.apiAll);
    let anyStored = false;
    for await (const _key of stored) anyStored = true;
    if (!anyStored) {
      initialised = true;
      emit(buildSnapshot(entries));
    }
    for await (const entry of watch) {
      apply(entries, entry);
      initialised ||= entry.isUpdate;
      if (initialised) {
        onRead();
        emit(buildSnapshot(entries));
      }
    }
  } finally {
    signal.removeEventListener("abort", stop);
    watch.stop();
  }
}

function apply(
  entries: Map<string, Uint8Array>,
  entry: { key: string; operation: string; value: Uint8Array },
): void {
  if (entry.operation === "PUT") entries.set(entry.key, entry.value);
  else entries.delete(entry.key);
}

/** Builds the whole snapshot from the entries (a handful per endpoint: rebuilding is cheap). */
export function buildSnapshot(entries: ReadonlyMap<string, Uint8Array>): ProviderSnapshot {
  const endpoints: ProviderEndpoint[] = [];
  const weightOverrides: Record<string, Record<string, number>> = {};
  const warnings: string[] = [];
  for (const [key, value] of [...entries].sort(([a], [b]) => a.localeCompare(b))) {
    if (key.startsWith(configKeys.apiEndpointPrefix)) {
      const decoded = endpointCodec.decode(value);
      if (!decoded.ok) {
        warnings.push(`signalbox-config ${key}: ${decoded.reason}`);
        continue;
      }
      try {
        const endpoint = parseEndpoint(decoded.value);
        endpoints.push({
          ...endpoint,
          routes: endpoint.routes.map((route) => ({ ...route, key: `api:${endpoint.pattern}#${route.id}` })),
        });
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        warnings.push(`signalbox-config ${key}: ${error.message}`);
      }
    } else if (key.startsWith(configKeys.apiShapePrefix)) {
      const decoded = shapeCodec.decode(value);
      if (decoded.ok) weightOverrides[decoded.value.pattern] = decoded.value.weights;
      else warnings.push(`signalbox-config ${key}: ${decoded.reason}`);
    }
  }
  return { source: "api", endpoints, backends: [], warnings, weightOverrides };
}
