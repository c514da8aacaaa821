// Raw node:net clients for the hostile suite: write exact bytes, reset (RST) at a chosen moment,
// read whatever comes back until the router closes; every socket is tracked and destroyed by
// closeAll so a failing test leaves none behind.

import { connect, type Socket } from "node:net";

export class RawClients {
  private readonly sockets = new Set<Socket>();
  /** Connections opened so far (the suite's "connections tried" figure). */
  opened = 0;

  constructor(private readonly port: number) {}

  /** Connects; resolves once the TCP handshake is done. Errors (our own resets) are expected. */
  open(): Promise<RawClient> {
    this.opened += 1;
    return new Promise((resolve, reject) => {
      const socket = connect(this.port, "127.0.0.1");
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        socket.on("error", () => {});
        resolve(new RawClient(socket));
      });
    });
  }

  get live(): number {
    return this.sockets.size;
  }

  closeAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}

export class RawClient {
  /** Everything the router sent, as latin1. */
  received = "";
  readonly closed: Promise<void>;

  constructor(readonly socket: Socket) {
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      this.received += chunk;
    });
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
  }

  write(text: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.write(text, (err) => (err ? reject(err) : resolve())),
    );
  }

  /** Sends a TCP RST (not a FIN): what a crashing client or a hostile one does. */
  reset(): void {
    this.socket.resetAndDestroy();
  }

  /** Resolves once the received text matches `pattern` (or rejects when the socket closed first). */
  async waitFor(pattern: RegExp, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.received)) {
      if (this.socket.destroyed)
        throw new Error(`closed before ${pattern}; got ${JSON.stringify(this.received)}`);
      if (Date.now() > deadline)
        throw new Error(`no ${pattern} in time; got ${JSON.stringify(this.received)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.received;
  }
}

/** A request head with the given Host and extra header lines. */
export function head(method: string, path: string, host: string, extra: string[] = []): string {
  return `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\n${extra.map((line) => `${line}\r\n`).join("")}\r\n`;
}

export const WEBSOCKET_UPGRADE = [
  "connection: upgrade",
  "upgrade: websocket",
  "sec-websocket-version: 13",
  "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==",
];

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The suite's figures: hostile connections tried, healthy requests sent and lost (anything but
 * the expected answer). `report` prints them in one log line for the README.
 */
export class Figures {
  healthySent = 0;
  healthyLost = 0;
  private readonly lost: string[] = [];

  constructor(private readonly clients: () => RawClients | undefined) {}

  /** Sends one healthy request through `send`; counts it lost unless `ok` holds for its status. */
  async healthy(
    send: () => Promise<number>,
    ok: (status: number) => boolean = (s) => s === 200,
  ): Promise<number> {
    this.healthySent += 1;
    const status = await send().catch((err: unknown) => {
      this.lost.push(String(err));
      return 0;
    });
    if (!ok(status)) {
      this.healthyLost += 1;
      this.lost.push(`status ${status}`);
    }
    return status;
  }

  get lostReasons(): readonly string[] {
    return this.lost;
  }

  report(suite: string): void {
    const tried = this.clients()?.opened ?? 0;
    console.log(
      `hostile figures [${suite}]: connections tried ${tried}, healthy requests ${this.healthySent}, lost ${this.healthyLost}`,
    );
  }
}
