// A TCP proxy on loopback in front of a real server: it forwards every byte until told to hold them (a frontend that
// takes requests and never answers) or to close (a server gone: connections cut, the port refused).
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  /** host:port to connect to instead of the server's. */
  address: string;
  /** From now on, nothing goes through either way (held, never delivered). */
  hold(): void;
  /** Cuts every connection and stops listening. */
  close(): Promise<void>;
}

export async function tcpProxy(target: string): Promise<TcpProxy> {
  const [host = '127.0.0.1', port = ''] = target.split(':');
  const sockets = new Set<Socket>();
  let holding = false;
  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (!holding) to.write(chunk);
    });
    from.on('close', () => to.destroy());
    from.on('error', () => to.destroy());
  };
  const server = createServer((downstream) => {
    const upstream = connect(Number(port), host);
    for (const socket of [downstream, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    forward(downstream, upstream);
    forward(upstream, downstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the proxy has no port');
  return {
    address: `127.0.0.1:${address.port}`,
    hold: () => {
      holding = true;
    },
    close: async () => {
      const closed = new Promise((done) => server.close(done));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
