import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per process, labelled with the process name so dashboards can tell them apart. */
export function createMetricsRegistry(processName: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ process: processName });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Request rate, errors and duration by route pattern (never by raw URL, which would explode cardinality). */
export function observeHttpRequests(app: FastifyInstance, registry: Registry): void {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    duration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
}

/** Connection pool saturation: waiting > 0 for long means the pool is too small or queries too slow. */
export function observePostgresPool(pool: pg.Pool, registry: Registry, database: string): void {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['database'] as const,
      registers: [registry],
      collect() {
        this.set({ database }, read());
      },
    });
  // A gauge, so no _total suffix (promtool check metrics): that is for counters.
  gauge('db_pool_connections', 'Connections open in the pool', () => pool.totalCount);
  gauge('db_pool_connections_idle', 'Idle connections in the pool', () => pool.idleCount);
  gauge('db_pool_requests_waiting', 'Queries waiting for a free connection', () => pool.waitingCount);
}
