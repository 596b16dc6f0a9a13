import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../observability/logger.js';
import type { Registry } from '../observability/metrics.js';

export interface OpsServerOptions {
  host: string;
  /** 0 means no ops server at all (several copies on one host). */
  port: number;
  metrics: Registry;
  isReady: () => Promise<boolean>;
  logger: Logger;
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

const OPS_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

function json(status: number, body: object): { status: number; type: string; body: string } {
  return { status, type: 'application/json; charset=utf-8', body: JSON.stringify(body) };
}

/**
 * The background processes' only HTTP surface: /metrics for Prometheus and
 * /health/live, /health/ready for container healthchecks. Plain node:http,
 * so a worker or consumer does not load a web framework for three routes.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer | undefined> {
  if (options.port === 0) return undefined;
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const answer = async () => {
      if (request.method !== 'GET') {
        return OPS_PATHS.has(path ?? '')
          ? { ...json(405, { error: 'method_not_allowed', message: `${request.method ?? ''} is not served on ${path ?? ''}; use GET` }), allow: 'GET' }
          : json(404, { error: 'not_found', message: `no route for ${request.method ?? ''} ${path ?? ''}` });
      }
      switch (path) {
        case '/health/live':
          return json(200, { status: 'ok' });
        case '/health/ready':
          return (await options.isReady()) ? json(200, { status: 'ready' }) : json(503, { status: 'not_ready' });
        case '/metrics':
          return { status: 200, type: options.metrics.contentType, body: await options.metrics.metrics() };
        default:
          return json(404, { error: 'not_found', message: `no route for GET ${path ?? ''}` });
      }
    };
    answer()
      .catch((error: unknown) => {
        options.logger.error({ err: error }, 'ops endpoint failed');
        return json(500, { error: 'internal_error', message: 'something went wrong on our side; it has been logged' });
      })
      .then((answer: { status: number; type: string; body: string; allow?: string }) => {
        const headers = { 'content-type': answer.type, 'cache-control': 'no-store', ...(answer.allow === undefined ? {} : { allow: answer.allow }) };
        response.writeHead(answer.status, headers).end(answer.body);
      }, () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  options.logger.info({ port }, 'ops server listening (/metrics, /health/live, /health/ready)');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
