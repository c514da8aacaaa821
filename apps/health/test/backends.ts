// Real loopback backends for integration tests, which a test takes down and brings back.
import { once } from "node:events";
import { createServer as createHttpServer } from "node:http";
import { type AddressInfo, createServer as createTcpServer, type Server, type Socket } from "node:net";

export interface HttpBackend {
  readonly address: string;
  /** The status every probe gets from now on (200: up, 503: down). */
  answer(status: number): void;
  /** Requests answered with each status so far. */
  readonly answered: Map<number, number>;
  stop(): Promise<void>;
}

export async function startHttpBackend(): Promise<HttpBackend> {
  let status = 200;
  const answered = new Map<number, number>();
  const server = createHttpServer((_req, res) => {
    answered.set(status, (answered.get(status) ?? 0) + 1);
    res.writeHead(status).end();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    answer(next) {
      status = next;
    },
    answered,
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

export interface TcpBackend {
  readonly address: string;
  /** Stops listening (connections are refused) until up(). */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTcpBackend(): Promise<TcpBackend> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = async (port: number) => {
    server = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.once("close", () => sockets.delete(socket));
    });
    server.listen(port, "127.0.0.1");
    await once(server, "listening");
    return (server.address() as AddressInfo).port;
  };
  const close = async () => {
    if (!server) return;
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    closing.close();
    await once(closing, "close");
  };
  const port = await listen(0);
  return { address: `127.0.0.1:${port}`, down: close, up: () => listen(port).then(() => {}), stop: close };
}

export interface CheckOnlyGrpcBackend {
  readonly address: string;
  /** What Check answers from now on. */
  answer(status: "SERVING" | "NOT_SERVING"): void;
  /** Check calls answered so far. */
  readonly checks: number;
  stop(): void;
}

/** A gRPC backend implementing grpc.health.v1 Check only: Watch answers UNIMPLEMENTED. */
export async function startCheckOnlyGrpcBackend(): Promise<CheckOnlyGrpcBackend> {
  const grpc = await import("@grpc/grpc-js");
  const { healthServiceDefinition } = await import("../src/grpc/health-proto.js");
  let status = "SERVING";
  let checks = 0;
  const server = new grpc.Server();
  server.addService(healthServiceDefinition, {
    check: (_call: unknown, callback: (error: null, response: { status: string }) => void) => {
      checks += 1;
      callback(null, { status });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    answer(next) {
      status = next;
    },
    get checks() {
      return checks;
    },
    stop: () => server.forceShutdown(),
  };
}
