import { unreachable } from '@orders/service-kit';
import { errorBody, errorResponses, invalidCursor, parseIdParam, readPage, requestTraceparent, type HttpApp } from '@orders/service-kit/http';
import { Type } from 'typebox';
import type { AdmissionControl } from '../http/admission-control.js';
import { createOrder, type CreateOrderDeps } from './create-order.js';
import { newOrderFrom } from './new-order.js';
import { toOrder } from './order.js';
import {
  CreateOrderBodySchema,
  IdempotencyHeadersSchema,
  ListOrdersQuerySchema,
  OrderIdParamsSchema,
  OrderSchema,
  PlaceOrderUnavailableSchema,
} from './order.schemas.js';

export function registerOrderRoutes(app: HttpApp, deps: CreateOrderDeps, admission: AdmissionControl): void {
  registerPlaceOrder(app, deps, admission);
  registerReadOrders(app, deps);
}

function registerPlaceOrder(app: HttpApp, deps: CreateOrderDeps, admission: AdmissionControl): void {
  app.post(
    '/api/v1/orders',
    {
      // Before the body is read: a refused order costs almost nothing.
      onRequest: admission.admit,
      schema: {
        tags: ['orders'],
        operationId: 'createOrder',
        summary: 'Place an order',
        description:
          'Checks the customer with Customer Service, then stores the order and its order.created event in one transaction. ' +
          'With an Idempotency-Key, a repeat of the same request returns the original order (200, Idempotent-Replayed: true).',
        headers: IdempotencyHeadersSchema,
        body: CreateOrderBodySchema,
        response: { 201: OrderSchema, 200: OrderSchema, ...errorResponses(400, 413, 415, 422), 503: PlaceOrderUnavailableSchema },
      },
    },
    async (request, reply) => {
      const result = await createOrder(deps, {
        order: newOrderFrom(request.body),
        idempotencyKey: request.headers['idempotency-key'],
        // Stored with the event, so the publish and the count join this request's trace.
        traceparent: requestTraceparent(request),
      });
      if (result.ok) {
        if (result.replayed) return reply.code(200).header('idempotent-replayed', 'true').send(result.order);
        return reply.code(201).header('location', `/api/v1/orders/${result.order.id}`).send(result.order);
      }
      switch (result.error) {
        case 'customer_not_found':
          return reply
            .code(422)
            .send(errorBody('customer_not_found', `customer ${request.body.customer_id} does not exist`));
        case 'customer_service_unavailable':
          return reply
            .code(503)
            .header('retry-after', String(result.retryAfterSeconds))
            .send(errorBody('customer_service_unavailable', 'the customer could not be checked right now; nothing was stored, retry later'));
        case 'idempotency_key_reused':
          return reply
            .code(422)
            .send(errorBody('idempotency_key_reused', 'this Idempotency-Key was already used with a different request body'));
        default:
          return unreachable(result);
      }
    },
  );
}

function registerReadOrders(app: HttpApp, deps: Pick<CreateOrderDeps, 'orders'>): void {
  app.get(
    '/api/v1/orders',
    {
      schema: {
        tags: ['orders'],
        operationId: 'listOrders',
        summary: 'List orders, newest first',
        description: 'Keyset pagination: when there are more, the Link header has the next page (rel="next").',
        querystring: ListOrdersQuerySchema,
        response: { 200: Type.Array(OrderSchema), ...errorResponses(422) },
      },
    },
    async (request, reply) => {
      const customerId = request.query.customer_id;
      const page = await readPage(request, reply, request.query, (before, limit) => deps.orders.list({ customerId, before, limit }));
      if (page === undefined) return reply.code(422).send(invalidCursor());
      return page.map(toOrder);
    },
  );

  app.get(
    '/api/v1/orders/:id',
    {
      schema: {
        tags: ['orders'],
        operationId: 'getOrder',
        summary: 'Get one order',
        params: OrderIdParamsSchema,
        response: { 200: OrderSchema, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const id = parseIdParam(request.params.id);
      const row = id === undefined ? undefined : await deps.orders.findById(id);
      if (row === undefined) return reply.code(404).send(errorBody('not_found', `order ${request.params.id} not found`));
      return toOrder(row);
    },
  );
}
