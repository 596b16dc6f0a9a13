import { unreachable } from '@orders/service-kit';
import { errorBody, errorResponses, invalidCursor, parseIdParam, readPage, type HttpApp } from '@orders/service-kit/http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { createCustomer } from './create-customer.js';
import { toCustomer } from './customer.js';
import {
  ApiKeyHeadersSchema,
  CreateCustomerBodySchema,
  CustomerIdParamsSchema,
  CustomerSchema,
  ListCustomersQuerySchema,
} from './customer.schemas.js';
import type { CustomersRepository } from './customers.repository.js';

const security = [{ internalApiKey: [] }];

export function registerCustomerRoutes(app: HttpApp, customers: CustomersRepository): void {
  const getOne = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const id = parseIdParam(request.params.id);
    const row = id === undefined ? undefined : await customers.findById(id);
    if (row === undefined) return reply.code(404).send(errorBody('not_found', `customer ${request.params.id} not found`));
    return toCustomer(row);
  };
  const getOneSchema = (operationId: string, summary: string) => ({
    tags: ['customers'],
    operationId,
    summary,
    security,
    headers: ApiKeyHeadersSchema,
    params: CustomerIdParamsSchema,
    response: { 200: CustomerSchema, ...errorResponses(401, 404) },
  });

  // The path order_service calls, kept from the seed system.
  app.get('/customers/:id', { schema: getOneSchema('getCustomerForOrderService', 'Get one customer (the route Order Service calls)') }, getOne);
  app.get('/api/v1/customers/:id', { schema: getOneSchema('getCustomer', 'Get one customer') }, getOne);

  app.get(
    '/api/v1/customers',
    {
      schema: {
        tags: ['customers'],
        operationId: 'listCustomers',
        summary: 'List customers by id',
        description: 'Keyset pagination: when there are more, the Link header has the next page (rel="next").',
        security,
        headers: ApiKeyHeadersSchema,
        querystring: ListCustomersQuerySchema,
        response: { 200: Type.Array(CustomerSchema), ...errorResponses(401, 422) },
      },
    },
    async (request, reply) => {
      const page = await readPage(request, reply, request.query, (after, limit) => customers.list({ after, limit }));
      if (page === undefined) return reply.code(422).send(invalidCursor());
      return page.map(toCustomer);
    },
  );

  app.post(
    '/api/v1/customers',
    {
      schema: {
        tags: ['customers'],
        operationId: 'createCustomer',
        summary: 'Register a customer',
        security,
        headers: ApiKeyHeadersSchema,
        body: CreateCustomerBodySchema,
        response: { 201: CustomerSchema, ...errorResponses(400, 401, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const result = await createCustomer(customers, request.body);
      if (result.ok) return reply.code(201).header('location', `/api/v1/customers/${result.customer.id}`).send(result.customer);
      switch (result.error) {
        // One error code today; this switch is where the next one must get its own answer.
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
        case 'customer_name_taken':
          return reply.code(409).send(errorBody(result.error, `a customer named "${request.body.name.trim()}" already exists`));
        default:
          return unreachable(result.error);
      }
    },
  );
}
