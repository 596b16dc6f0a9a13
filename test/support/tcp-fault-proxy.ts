import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

/**
 * A TCP proxy between a process and a real service (RabbitMQ, PostgreSQL) that
 * a test can cut: `cut()` drops every open connection and refuses new ones
 * (as a dead host would), `blackhole()` keeps connections open but stops
 * moving bytes either way (a partitioned network: nothing arrives, nothing
 * fails), `restore()` lets traffic flow again. The listening port never changes.
 */
export interface TcpFaultProxy {
  port: number;
  /** The target URL rewritten to go through the proxy. */
  url(targetUrl: string): string;
  cut(): void;
  blackhole(): void;
  restore(): void;
  close(): Promise<void>;
}

interface Link {
  client: Socket;
  upstream: Socket;
}

function connectLink(link: Link): void {
  link.client.pipe(link.upstream);
  link.upstream.pipe(link.client);
}

function pauseLink(link: Link): void {
  // Unread bytes wait in the kernel, as they would on a partitioned link.
  link.client.unpipe(link.upstream);
  link.upstream.unpipe(link.client);
  link.client.pause();
  link.upstream.pause();
}

export async function startTcpFaultProxy(targetHost: string, targetPort: number, listenPort = 0): Promise<TcpFaultProxy> {
  let mode: 'open' | 'cut' | 'blackhole' = 'open';
  const links = new Set<Link>();

  const server: Server = createServer((client) => {
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    const link: Link = { client, upstream: new Socket() };
    links.add(link);
    const forget = () => {
      links.delete(link);
      link.client.destroy();
      link.upstream.destroy();
    };
    client.on('error', forget).on('close', forget);
    link.upstream.on('error', forget).on('close', forget);
    if (mode === 'open') connectLink(link);
    else pauseLink(link);
    link.upstream.connect(targetPort, targetHost);
  });
  await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const destroyAll = () => {
    for (const link of links) {
      link.client.destroy();
      link.upstream.destroy();
    }
    links.clear();
  };

  return {
    port,
    url(targetUrl) {
      const url = new URL(targetUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    cut() {
      mode = 'cut';
      destroyAll();
    },
    blackhole() {
      if (mode === 'blackhole') return;
      mode = 'blackhole';
      for (const link of links) pauseLink(link);
    },
    restore() {
      const wasBlackholed = mode === 'blackhole';
      mode = 'open';
      if (wasBlackholed) for (const link of links) connectLink(link);
    },
    async close() {
      mode = 'cut';
      destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
