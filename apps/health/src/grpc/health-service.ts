// The grpc.health.v1.Health server (Check, Watch, List) over a HealthStore, as
// https://github.com/grpc/grpc/blob/master/doc/health-checking.md describes it.
import * as grpc from "@grpc/grpc-js";
import type { Clock } from "@signalbox/backoff";
import type { Logger } from "pino";
import {
  type HealthCheckRequest,
  type HealthCheckResponse,
  type HealthListResponse,
  healthServiceDefinition,
} from "./health-proto.js";
import type { HealthStore } from "./health-store.js";

/** List answers RESOURCE_EXHAUSTED past this many services (health.proto). */
export const LIST_MAX_SERVICES = 100;

export interface HealthGrpcServer {
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** Watch streams open now: a watcher that went away is no longer counted. */
  readonly watchers: number;
  /**
   * Overall status "" NOT_SERVING, every Watch stream told so and ended with OK, the
   * server shut down; calls still open after `shutdownTimeoutMs` are cut.
   */
  stop(): Promise<void>;
}

export interface HealthGrpcServerOptions {
  store: HealthStore;
  /** `host:port`, as gRPC binds it (`0.0.0.0:50051`, `[::]:0`). */
  listen: string;
  logger: Logger;
  clock: Clock;
  shutdownTimeoutMs?: number;
}

/** Binds, sets the overall status "" to SERVING, and serves until stop(). */
export async function startHealthGrpcServer(options: HealthGrpcServerOptions): Promise<HealthGrpcServer> {
  const { store, logger, clock } = options;
  const server = new grpc.Server();
  const openWatches = new Set<() => void>();
  let stopping = false;

  const check: grpc.handleUnaryCall<HealthCheckRequest, HealthCheckResponse> = (call, callback) => {
    const service = call.request.service ?? "";
    const status = store.get(service);
    if (status === undefined) {
      callback({ code: grpc.status.NOT_FOUND, details: `unknown service "${service}"` });
      return;
    }
    callback(null, { status });
  };

  const watch: grpc.handleServerStreamingCall<HealthCheckRequest, HealthCheckResponse> = (call) => {
    const service = call.request.service ?? "";
    let lastSent: string | undefined;
    const send = (status: HealthCheckResponse["status"]) => {
      if (status === lastSent) return;
      lastSent = status;
      call.write({ status });
    };
    send(store.get(service) ?? "SERVICE_UNKNOWN");
    if (stopping) {
      call.end();
      return;
    }
    const unsubscribe = store.subscribe(service, send);
    const end = () => {
      unsubscribe();
      openWatches.delete(end);
      call.end();
    };
    openWatches.add(end);
    call.on("cancelled", () => {
      unsubscribe();
      openWatches.delete(end);
      logger.debug({ service }, "watcher went away");
    });
  };

  const list: grpc.handleUnaryCall<unknown, HealthListResponse> = (_call, callback) => {
    if (store.size > LIST_MAX_SERVICES) {
      callback({
        code: grpc.status.RESOURCE_EXHAUSTED,
        details: `${store.size} services are more than List answers (${LIST_MAX_SERVICES})`,
      });
      return;
    }
    const statuses: Record<string, HealthCheckResponse> = {};
    for (const [service, status] of store.entries()) statuses[service] = { status };
    callback(null, { statuses });
  };

  server.addService(healthServiceDefinition, { check, watch, list } as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(options.listen, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  store.set("", "SERVING");
  logger.info({ listen: options.listen, port }, "grpc.health.v1 server listening");

  return {
    port,
    get watchers() {
      return openWatches.size;
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      store.set("", "NOT_SERVING");
      for (const end of [...openWatches]) end();
      await new Promise<void>((resolve) => {
        const timer = clock.setTimeout(() => {
          logger.warn("grpc calls still open at the shutdown timeout; cutting them");
          server.forceShutdown();
          resolve();
        }, options.shutdownTimeoutMs ?? 5000);
        server.tryShutdown(() => {
          clock.clearTimeout(timer);
          resolve();
        });
      });
      logger.info("grpc.health.v1 server stopped");
    },
  };
}
