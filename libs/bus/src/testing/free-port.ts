// Free TCP ports on 127.0.0.1 for private test servers.

import { createServer, type Server } from "node:net";

/**
 * `count` distinct ports the kernel had free a moment ago: all are bound to port 0 at
 * the same time (so they differ), then released for the caller to bind.
 */
export async function findFreePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listenOnAnyPort());
    return servers.map((server) => {
      const address = server.address();
      if (address === null || typeof address === "string")
        throw new Error("no TCP address for a probe socket");
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

function listenOnAnyPort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}
