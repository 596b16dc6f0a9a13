import type { FastifyReply } from 'fastify';
import { Type, type Static } from 'typebox';
import { peekDeadLetters, purgeDeadLetters, replayDeadLetters, type DeadLetter, type DeadLetterSelector } from '@orders/operations';
import { errorResponses, type HttpApp } from '@orders/service-kit/http';
import type { AuditEntry } from '../audit/audit-log.js';
import type { ConsoleBroker } from '../broker/console-broker.js';
import { connectedBroker, isRefusal, refusalOf, unlessBrokerLost } from '../http/answer-operation.js';
import { DeadLetterSchema, DeadLetterSelectorSchema, ListQuerySchema, PurgedSchema, ReplayedSchema } from '../http/console.schemas.js';

const security = [{ consoleBasic: [] }];

function toSelector(body: Static<typeof DeadLetterSelectorSchema>): DeadLetterSelector {
  if ('event_ids' in body) return { eventIds: body.event_ids };
  if ('reason' in body) return { reason: body.reason };
  return { all: true };
}

const toJson = (letter: DeadLetter) => ({
  event_id: letter.eventId,
  reason: letter.reason,
  dead_lettered_at: letter.deadLetteredAt,
  payload: letter.payload,
  headers: letter.headers,
});

export function registerDeadLetterRoutes(app: HttpApp, broker: ConsoleBroker, audit: (entry: AuditEntry) => void): void {
  app.get(
    '/api/dead-letters',
    {
      schema: {
        tags: ['dead letters'],
        operationId: 'listDeadLetters',
        summary: 'Look at dead letters without removing any (X-Total-Count says how many there are)',
        security,
        querystring: ListQuerySchema,
        response: { 200: Type.Array(DeadLetterSchema), ...errorResponses(401, 503) },
      },
    },
    async (request, reply) => {
      const target = connectedBroker(broker);
      if (isRefusal(target)) return reply.code(target.status).send(target.body);
      const peek = await unlessBrokerLost(() => broker.exclusive(() => peekDeadLetters(target, request.query.limit)));
      if (isRefusal(peek)) return reply.code(peek.status).send(peek.body);
      reply.header('x-total-count', String(peek.total));
      return peek.letters.map(toJson);
    },
  );

  const action = (verb: 'replayed' | 'purged') =>
    async (request: { body: Static<typeof DeadLetterSelectorSchema>; ip: string }, reply: FastifyReply) => {
      const name = verb === 'replayed' ? 'dead_letters.replay' : 'dead_letters.purge';
      const target = connectedBroker(broker);
      const result = isRefusal(target)
        ? target
        : await unlessBrokerLost(() => broker.exclusive(() => (verb === 'replayed' ? replayDeadLetters : purgeDeadLetters)(target, toSelector(request.body))));
      if (isRefusal(result)) {
        audit({ action: name, target: request.body, outcome: { error: result.body.error }, from: request.ip });
        return reply.code(result.status).send(result.body);
      }
      if (!result.ok) {
        const refusal = refusalOf(result, verb);
        audit({ action: name, target: request.body, outcome: { error: refusal.body.error, ...(result.error === 'not_confirmed' ? { [verb]: result.count } : {}) }, from: request.ip });
        return reply.code(refusal.status).send(refusal.body);
      }
      audit({ action: name, target: request.body, outcome: { [verb]: result.count }, from: request.ip });
      return { [verb]: result.count };
    };

  app.post(
    '/api/dead-letters/replay',
    {
      schema: {
        tags: ['dead letters'],
        operationId: 'replayDeadLetters',
        summary: 'Publish the selected dead letters to orders.v1 again (safe: an event applies once)',
        security,
        body: DeadLetterSelectorSchema,
        response: { 200: ReplayedSchema, ...errorResponses(401, 404, 415, 422, 503) },
      },
    },
    action('replayed'),
  );
  app.post(
    '/api/dead-letters/purge',
    {
      schema: {
        tags: ['dead letters'],
        operationId: 'purgeDeadLetters',
        summary: 'Delete the selected dead letters for good',
        security,
        body: DeadLetterSelectorSchema,
        response: { 200: PurgedSchema, ...errorResponses(401, 404, 415, 422, 503) },
      },
    },
    action('purged'),
  );
}
