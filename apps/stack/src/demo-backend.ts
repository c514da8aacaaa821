// The demo backend `npm start` runs behind each agent: answers every request with
// who served it, so a curl through the router shows the balancing at work.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface DemoBackendOptions {
  /** Shown in every answer: which backend served the request. */
  name: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface DemoBackend {
  readonly address: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Starts the demo backend; `/health` answers 200 for probes. */
export async function startDemoBackend(options: DemoBackendOptions): Promise<DemoBackend> {
  const server = createServer((req, res) => {
    if (req.url === "/health") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return;
    }
    const body = JSON.stringify({
      backend: options.name,
      method: req.method,
      host: req.headers.host,
      path: req.url,
      forwardedFor: req.headers["x-forwarded-for"],
      requestId: req.headers["x-request-id"],
    });
    res.writeHead(200, { "content-type": "application/json" }).end(`${body}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  return {
    address: `${host}:${port}`,
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
