import { type Server, type Socket, connect, createServer } from 'node:net';

/** A TCP proxy on 127.0.0.1 in front of one port, whose connections a test can cut. */
export interface TcpProxy {
  /** The port the proxy listens on. */
  readonly port: number;
  /** Connections accepted and passed through so far. */
  readonly connections: number;
  /**
   * Destroys every open connection and refuses new ones (accepted, then destroyed at once) for `ms`;
   * resolves when connections are let through again.
   */
  cut(ms: number): Promise<void>;
  /** Destroys every connection and stops listening; safe twice. */
  close(): Promise<void>;
}

/** Starts a {@link TcpProxy} on a free port of 127.0.0.1 that forwards to `targetPort` on 127.0.0.1. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let refusing = false;
  let closed = false;
  let connections = 0;
  const server: Server = createServer((client) => {
    if (refusing || closed) {
      client.destroy();
      return;
    }
    connections += 1;
    const upstream = connect(targetPort, '127.0.0.1');
    const pair = [client, upstream];
    const drop = () => {
      for (const socket of pair) {
        socket.destroy();
        open.delete(socket);
      }
    };
    for (const socket of pair) {
      open.add(socket);
      socket.on('error', drop);
      socket.on('close', drop);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const destroyAll = () => {
    for (const socket of open) socket.destroy();
    open.clear();
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    get connections() {
      return connections;
    },
    async cut(ms) {
      refusing = true;
      destroyAll();
      await new Promise((resolve) => setTimeout(resolve, ms));
      refusing = false;
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      destroyAll();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
