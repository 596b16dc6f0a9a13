import { Type } from 'typebox';
import { errorResponses, type HttpApp } from '@orders/service-kit/http';
import type { Overview } from './read-overview.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const OverviewSchema = Type.Object(
  {
    outbox: Type.Object({
      pending: Nullable(Type.Integer()),
      dead: Nullable(Type.Integer()),
      oldest_pending_age_seconds: Nullable(Type.Number()),
    }),
    dead_letters: Type.Object({ count: Nullable(Type.Integer()) }),
    queue: Type.Object({ depth: Nullable(Type.Integer()) }),
    processes: Type.Array(Type.Object({ name: Type.String(), url: Type.String(), up: Type.Boolean(), ready: Type.Boolean() })),
    databases: Type.Object({ order_service: Type.Boolean(), customer_service: Type.Boolean() }),
    broker: Type.Object({ connected: Type.Boolean(), node: Nullable(Type.String()) }),
    pipeline: Type.Object({ applied_per_second: Nullable(Type.Number()), end_to_end_lag_seconds: Nullable(Type.Number()) }),
    problems: Type.Array(Type.String()),
  },
  { title: 'Overview' },
);

function toJson(overview: Overview) {
  return {
    outbox: {
      pending: overview.outbox?.pending ?? null,
      dead: overview.outbox?.dead ?? null,
      oldest_pending_age_seconds: overview.outbox?.oldestPendingAgeSeconds ?? null,
    },
    dead_letters: { count: overview.queues?.deadLetters ?? null },
    queue: { depth: overview.queues?.queue ?? null },
    processes: overview.processes,
    databases: { order_service: overview.orderDatabase, customer_service: overview.customerDatabase },
    broker: { connected: overview.broker.connected, node: overview.broker.node ?? null },
    pipeline: { applied_per_second: overview.rates.appliedPerSecond, end_to_end_lag_seconds: overview.rates.endToEndLagSeconds },
    problems: overview.problems,
  };
}

export function registerOverviewRoutes(app: HttpApp, readOverview: () => Promise<Overview>): void {
  app.get(
    '/api/overview',
    {
      schema: {
        tags: ['overview'],
        operationId: 'getOverview',
        summary: 'Pipeline health: processes, outbox, queues, rates; a part that cannot be read is null and named in problems',
        security: [{ consoleBasic: [] }],
        response: { 200: OverviewSchema, ...errorResponses(401) },
      },
    },
    async () => toJson(await readOverview()),
  );
}
