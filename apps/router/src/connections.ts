// Every client connection of the listeners: requests in flight per connection and WebSocket
// tunnels, so a drain can close idle ones, mark busy ones for `Connection: close`, and count.

import type { Socket } from "node:net";

/** A proxied upgrade; `closeGracefully` sends the client a close frame 1001 (going away). */
export interface Tunnel {
  closeGracefully(): void;
  destroy(): void;
}

/** The exchange in flight on a connection; told when the client goes away first. */
export interface InFlight {
  clientClosed(): void;
}

export interface ClientConnection {
  /** The client's socket (node:http may already have cleared `req.socket` while a body streams). */
  socket: Socket;
  active: number;
  tunnel: Tunnel | undefined;
  /** The exchanges with backends of this connection's requests (several when the client pipelines). */
  inFlight: Set<InFlight>;
}

/** A client socket's error (a reset, a broken pipe) only ends that connection: 'close' follows. */
function onClientSocketError(this: Socket): void {
  this.destroy();
}

export class Connections {
  private readonly open = new Map<Socket, ClientConnection>();
  private closing = false;
  private closedByThemselves = 0;
  private waiter: (() => void) | undefined;
  /** Upgrades being dialled or tunnelled (bounded by ROUTER_MAX_TUNNELS). */
  tunnels = 0;

  /** Registers a socket accepted by a listener; it is forgotten when it closes. */
  add(socket: Socket): void {
    // From its first moment: node:http drops its own error listener when it hands a socket to
    // 'upgrade', and a client's reset must never become an uncaught 'error' event.
    socket.on("error", onClientSocketError);
    const connection: ClientConnection = { socket, active: 0, tunnel: undefined, inFlight: new Set() };
    this.open.set(socket, connection);
    socket.once("close", () => {
      this.open.delete(socket);
      for (const exchange of connection.inFlight) exchange.clientClosed();
      if (this.closing) {
        this.closedByThemselves += 1;
        if (this.open.size === 0) this.waiter?.();
      }
    });
  }

  /** Counts a request on `socket`; returns the connection (undefined once it has closed). */
  requestStarted(socket: Socket): ClientConnection | undefined {
    const connection = this.open.get(socket);
    if (connection !== undefined) connection.active += 1;
    return connection;
  }

  /** The connection of `socket` (undefined once it has closed). */
  get(socket: Socket): ClientConnection | undefined {
    return this.open.get(socket);
  }

  /** A request's response ended; while closing, a connection with nothing in flight is ended. */
  requestFinished(connection: ClientConnection | undefined): void {
    if (connection === undefined) return;
    connection.active -= 1;
    if (this.closing && connection.active === 0 && connection.tunnel === undefined) connection.socket.end();
  }

  /** The socket now carries a proxied upgrade (WebSocket) instead of HTTP requests. */
  setTunnel(socket: Socket, tunnel: Tunnel): void {
    const connection = this.open.get(socket);
    if (connection !== undefined) connection.tunnel = tunnel;
  }

  get size(): number {
    return this.open.size;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /**
   * Starts closing: idle connections end now, tunnels get their close frame, busy connections end
   * after their response (which carries `Connection: close`). Resolves when all are closed.
   */
  closeAll(): Promise<void> {
    this.closing = true;
    for (const [socket, connection] of this.open) {
      if (connection.tunnel !== undefined) connection.tunnel.closeGracefully();
      else if (connection.active === 0) socket.end();
    }
    if (this.open.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Cuts whatever is still open; returns how many were cut and how many closed by themselves. */
  destroyAll(): { cut: number; closedByThemselves: number } {
    const cut = this.open.size;
    for (const [socket, connection] of this.open) {
      connection.tunnel?.destroy();
      socket.destroy();
    }
    return { cut, closedByThemselves: this.closedByThemselves };
  }
}
