import Fastify, { type FastifyInstance } from 'fastify';
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

/**
 * The background processes' only HTTP surface: /metrics for Prometheus and
 * /health/live, /health/ready for container healthchecks.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<FastifyInstance | undefined> {
  if (options.port === 0) return undefined;
  const app = Fastify({ logger: false });
  app.get('/health/live', async () => ({ status: 'ok' }));
  app.get('/health/ready', async (_request, reply) =>
    (await options.isReady()) ? { status: 'ready' } : reply.code(503).send({ status: 'not_ready' }),
  );
  app.get('/metrics', async (_request, reply) => reply.type(options.metrics.contentType).send(await options.metrics.metrics()));
  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route for ${request.method} ${request.url.split('?')[0]}` }),
  );
  await app.listen({ host: options.host, port: options.port });
  options.logger.info({ port: options.port }, 'ops server listening (/metrics, /health/live, /health/ready)');
  return app;
}
