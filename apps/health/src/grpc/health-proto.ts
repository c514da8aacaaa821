// The grpc.health.v1 definitions, loaded once from the vendored proto/health.proto (shipped
// with the package, found relative to this module from src/ and dist/ alike).
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/** ServingStatus enum names of grpc.health.v1.HealthCheckResponse. */
export type HealthStatusName = "UNKNOWN" | "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";

export interface HealthCheckRequest {
  service: string;
}

export interface HealthCheckResponse {
  status: HealthStatusName;
}

export interface HealthListResponse {
  statuses: Record<string, HealthCheckResponse>;
}

/** The generated client, typed for the three methods Signalbox calls. */
export interface HealthClient extends grpc.Client {
  check(
    request: HealthCheckRequest,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: HealthCheckResponse) => void,
  ): grpc.ClientUnaryCall;
  watch(
    request: HealthCheckRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<HealthCheckResponse>;
}

const protoPath = fileURLToPath(new URL("../../proto/health.proto", import.meta.url));

const packageDefinition = protoLoader.loadSync(protoPath, {
  keepCase: true,
  enums: String,
  defaults: true,
});

const healthConstructor = (
  grpc.loadPackageDefinition(packageDefinition) as unknown as {
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  }
).grpc.health.v1.Health;

/** Service definition for `server.addService`. */
export const healthServiceDefinition: grpc.ServiceDefinition = healthConstructor.service;

/** A plaintext client of a backend's own grpc.health.v1 service; close() it when done. */
export function createHealthClient(address: string, options?: grpc.ChannelOptions): HealthClient {
  return new healthConstructor(
    address,
    grpc.credentials.createInsecure(),
    options,
  ) as unknown as HealthClient;
}
