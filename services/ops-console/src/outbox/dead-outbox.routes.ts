import type pg from 'pg';
import { Type } from 'typebox';
import { listDeadOutboxRows, missingDeadRows, retryDeadOutboxRows } from '@orders/operations';
import { errorBody, errorResponses, type HttpApp } from '@orders/service-kit/http';
import type { AuditEntry } from '../audit/audit-log.js';
import { DeadOutboxRowSchema, DeadRowSelectorSchema, ListQuerySchema, RetriedSchema } from '../http/console.schemas.js';

const security = [{ consoleBasic: [] }];

export function registerDeadOutboxRoutes(app: HttpApp, orderDb: pg.Pool, audit: (entry: AuditEntry) => void): void {
  app.get(
    '/api/outbox/dead',
    {
      schema: {
        tags: ['outbox'],
        operationId: 'listDeadOutboxRows',
        summary: 'Outbox rows that ran out of attempts, oldest first',
        security,
        querystring: ListQuerySchema,
        response: { 200: Type.Array(DeadOutboxRowSchema), ...errorResponses(401, 503) },
      },
    },
    async (request) =>
      (await listDeadOutboxRows(orderDb, request.query.limit)).map((row) => ({
        id: row.id,
        event_id: row.eventId,
        order_id: row.orderId,
        attempts: row.attempts,
        last_error: row.lastError,
        dead_at: row.deadAt.toISOString(),
      })),
  );

  app.post(
    '/api/outbox/dead/retry',
    {
      schema: {
        tags: ['outbox'],
        operationId: 'retryDeadOutboxRows',
        summary: 'Give dead outbox rows a fresh set of attempts; the worker publishes them at once',
        security,
        body: DeadRowSelectorSchema,
        response: { 200: RetriedSchema, ...errorResponses(401, 404, 415, 422, 503) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if ('ids' in body) {
        // All or nothing: an operator who names rows means those rows.
        const missing = await missingDeadRows(orderDb, body.ids);
        if (missing.length > 0) {
          audit({ action: 'outbox.retry', target: body, outcome: { error: 'not_found', missing }, from: request.ip });
          return reply
            .code(404)
            .send(errorBody('not_found', `not dead outbox rows (unknown, or already retried): ${missing.join(', ')}; nothing was retried`));
        }
      }
      const retried = await retryDeadOutboxRows(orderDb, 'ids' in body ? { ids: body.ids } : { all: true });
      audit({ action: 'outbox.retry', target: body, outcome: { retried }, from: request.ip });
      return { retried };
    },
  );
}
