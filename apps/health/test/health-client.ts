// A separate grpc.health.v1 client for tests: loads proto/health.proto itself with
// @grpc/grpc-js and @grpc/proto-loader, as any third-party client would.
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

export interface TestHealthClient {
  check(service: string): Promise<{ status: string } | { code: number }>;
  list(): Promise<{ statuses: Record<string, { status: string }> } | { code: number }>;
  watch(service: string): TestWatch;
  close(): void;
}

export interface TestWatch {
  /** The next message's status, or the call's end as `end:<code>`. */
  next(timeoutMs?: number): Promise<string>;
  cancel(): void;
}

const definition = protoLoader.loadSync(fileURLToPath(new URL("../proto/health.proto", import.meta.url)), {
  keepCase: true,
  enums: String,
  defaults: true,
});
const Health = (
  grpc.loadPackageDefinition(definition) as unknown as {
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  }
).grpc.health.v1.Health;

type Callback<T> = (error: grpc.ServiceError | null, response: T) => void;
interface RawHealthClient extends grpc.Client {
  check(
    request: { service: string },
    options: grpc.CallOptions,
    callback: Callback<{ status: string }>,
  ): void;
  list(
    request: object,
    options: grpc.CallOptions,
    callback: Callback<{ statuses: Record<string, { status: string }> }>,
  ): void;
  watch(request: { service: string }): grpc.ClientReadableStream<{ status: string }>;
}

export function connectHealthClient(address: string): TestHealthClient {
  const client = new Health(address, grpc.credentials.createInsecure()) as unknown as RawHealthClient;
  const deadline = () => ({ deadline: Date.now() + 3000 });
  return {
    check: (service) =>
      new Promise((resolve) =>
        client.check({ service }, deadline(), (error, response) =>
          resolve(error ? { code: error.code } : { status: response.status }),
        ),
      ),
    list: () =>
      new Promise((resolve) =>
        client.list({}, deadline(), (error, response) =>
          resolve(error ? { code: error.code } : { statuses: response.statuses }),
        ),
      ),
    watch(service) {
      const call = client.watch({ service });
      const queue: string[] = [];
      const waiters: ((value: string) => void)[] = [];
      const push = (value: string) => {
        const waiter = waiters.shift();
        if (waiter) waiter(value);
        else queue.push(value);
      };
      call.on("data", (message) => push(message.status));
      call.on("error", () => {});
      call.on("status", (status) => push(`end:${status.code}`));
      return {
        next: (timeoutMs = 3000) => {
          const queued = queue.shift();
          if (queued !== undefined) return Promise.resolve(queued);
          return new Promise((resolve) => {
            const timer = setTimeout(() => {
              waiters.splice(waiters.indexOf(done), 1);
              resolve("timeout");
            }, timeoutMs);
            const done = (value: string) => {
              clearTimeout(timer);
              resolve(value);
            };
            waiters.push(done);
          });
        },
        cancel: () => call.cancel(),
      };
    },
    close: () => client.close(),
  };
}
