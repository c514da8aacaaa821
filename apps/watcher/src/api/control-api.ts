// The control API (`signalbox.api.<op>`, request/reply): decodes each request, runs its op
// (changes one after another, so read-modify-write on signalbox-config never interleaves)
// and replies `{ ok: true, ... }` or `{ ok: false, error: { code, message } }`.
import type { Clock } from "@signalbox/backoff";
import {
  API_OPS,
  type ApiFailure,
  type ApiOp,
  type ApiReply,
  codecs,
  createApiCodecs,
  decodeHealthMessage,
  subjects,
} from "@signalbox/bus";
import type { Logger } from "pino";
import type { KV, NatsConnection } from "../bus-types.js";
import { createCertStore } from "../certs/cert-store.js";
import { createTokenStore, type TokenStore } from "../tokens/token-store.js";
import { createConfigRecords } from "./config-records.js";
import { createHealthBook, type HealthBook } from "./health-book.js";
import { failed, invalid, type OpContext, type OpHandler, type TableSource } from "./op-context.js";
import { certAdd } from "./ops/cert-add.js";
import { certList } from "./ops/cert-list.js";
import { certRemove } from "./ops/cert-remove.js";
import { query } from "./ops/query.js";
import { routeAdd } from "./ops/route-add.js";
import { routeRemove } from "./ops/route-remove.js";
import { shape } from "./ops/shape.js";
import { tokenCreate } from "./ops/token-create.js";
import { tokenList } from "./ops/token-list.js";
import { tokenRevoke } from "./ops/token-revoke.js";
import { createRouterStatsWindow, type RouterStatsWindow } from "./router-stats.js";

/** Several watchers may run: each request goes to one of them. */
export const CONTROL_API_QUEUE = "signalbox-watcher";

const DEFAULT_SETTLE_TIMEOUT_MS = 3_000;
/** nats-server's default, for the moment before the server's INFO is known. */
const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

const handlers: { [O in ApiOp]: OpHandler<O> } = {
  query,
  "route.add": routeAdd,
  "route.remove": routeRemove,
  shape,
  "token.create": tokenCreate,
  "token.list": tokenList,
  "token.revoke": tokenRevoke,
  "cert.add": certAdd,
  "cert.list": certList,
  "cert.remove": certRemove,
};

/** Ops that only read run at once; the others queue behind each other. */
const READ_ONLY: ReadonlySet<ApiOp> = new Set(["query", "token.list", "cert.list"]);

export interface ControlApiDeps {
  nc: NatsConnection;
  /** The bucket from `openConfigBucket(nc)`. */
  configKv: KV;
  /** The bucket from `openCertsBucket(nc)`. */
  certsKv: KV;
  /** The table builder: `current()` and `onTable(listener)`. */
  builder: TableSource;
  clock: Clock;
  logger: Logger;
  /** Shared with the agent provider when given; else one over `configKv`. */
  tokens?: TokenStore;
  random?: () => number;
  settleTimeoutMs?: number;
}

export interface ControlApi {
  /** The `query` answer for every endpoint, as `signalbox query` shows it (for the dashboard). */
  query(): Promise<ApiReply<"query">>;
  /** The routers heard from lately and the health services' last reports (for the dashboard). */
  fleet(): {
    routers: ReturnType<RouterStatsWindow["routers"]>;
    health: ReturnType<HealthBook["lastReports"]>;
  };
  /** Stops answering; waits for the op in progress to finish. */
  stop(): Promise<void>;
}

/** Subscribes to every `signalbox.api.<op>` and to the router stats and health verdicts. */
export async function startControlApi(deps: ControlApiDeps): Promise<ControlApi> {
  const logger = deps.logger.child({ component: "api" });
  const ctx: OpContext = {
    records: createConfigRecords({ configKv: deps.configKv, logger }),
    tokens: deps.tokens ?? createTokenStore({ configKv: deps.configKv, logger }),
    certs: createCertStore({ certsKv: deps.certsKv, logger }),
    tables: deps.builder,
    stats: createRouterStatsWindow(),
    health: createHealthBook(),
    clock: deps.clock,
    random: deps.random ?? Math.random,
    settleTimeoutMs: deps.settleTimeoutMs ?? DEFAULT_SETTLE_TIMEOUT_MS,
    logger,
  };
  let changes: Promise<unknown> = Promise.resolve();
  const inFlight = new Set<Promise<unknown>>();

  const subscriptions: ReturnType<NatsConnection["subscribe"]>[] = [
    deps.nc.subscribe(subjects.routerStatsAll, {
      callback: (error, msg) => {
        if (error) return;
        const decoded = codecs.routerStats.decode(msg.data);
        if (decoded.ok) ctx.stats.add(decoded.value, ctx.clock.now());
      },
    }),
    deps.nc.subscribe(subjects.healthAll, {
      callback: (error, msg) => {
        if (error) return;
        // The subject names the service: a body speaking for another one is ignored.
        const decoded = decodeHealthMessage(msg.subject, msg.data);
        if (decoded.ok) ctx.health.add(decoded.value);
      },
    }),
    ...API_OPS.map((op) =>
      deps.nc.subscribe(subjects.api(op), {
        queue: CONTROL_API_QUEUE,
        callback: (error, msg) => {
          if (error) return;
          const run = () => answer(op, msg, ctx, deps.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD_BYTES);
          const done = READ_ONLY.has(op) ? run() : changes.then(run);
          if (!READ_ONLY.has(op)) changes = done;
          inFlight.add(done);
          void done.finally(() => inFlight.delete(done));
        },
      }),
    ),
  ];
  await deps.nc.flush();
  logger.info({ ops: API_OPS }, "control API listening");

  return {
    query: () => query({}, ctx),
    fleet: () => ({ routers: ctx.stats.routers(ctx.clock.now()), health: ctx.health.lastReports() }),
    async stop() {
      for (const subscription of subscriptions) subscription.unsubscribe();
      await Promise.allSettled([...inFlight]);
    },
  };
}

const apiCodecs = Object.fromEntries(API_OPS.map((op) => [op, createApiCodecs(op)])) as {
  [O in ApiOp]: ReturnType<typeof createApiCodecs<O>>;
};

/** The part of a NATS request message an op answers. */
interface ApiMessage {
  data: Uint8Array;
  reply?: string;
  respond(data: Uint8Array): boolean;
}

/** Never throws: a thrown op becomes a `failed` reply naming the cause; so does a reply NATS cannot carry. */
async function answer<O extends ApiOp>(
  op: O,
  msg: ApiMessage,
  ctx: OpContext,
  maxPayloadBytes: number,
): Promise<void> {
  const opCodecs = apiCodecs[op];
  const decoded = opCodecs.request.decode(msg.data);
  // ApiReply<O> includes ApiFailure, which TypeScript cannot see while O is generic.
  let reply: ApiReply<O> | ApiFailure;
  if (!decoded.ok) {
    reply = invalid(`${op} request: ${decoded.reason}`);
  } else {
    try {
      reply = await (handlers[op] as OpHandler<O>)(decoded.value, ctx);
    } catch (error) {
      ctx.logger.error({ op, err: error }, "op failed");
      reply = failed(`${op} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (!msg.reply) return;
  let data = opCodecs.reply.encode(reply as ApiReply<O>);
  if (data.length > maxPayloadBytes) {
    const hint = op === "query" ? "; ask for one endpoint: signalbox query <pattern>" : "";
    const tooBig = failed(
      `the ${op} reply is ${data.length} bytes, over the NATS max_payload of ${maxPayloadBytes}${hint}`,
    );
    data = opCodecs.reply.encode(tooBig as ApiReply<O>);
  }
  msg.respond(data);
}
