import { ORDER_STATUSES } from '@orders/contracts';
import { trimmedTextPattern } from '@orders/service-kit/http';
import { Type, type Static } from 'typebox';

// Each field's `description` is its rule: the OpenAPI page shows it and a 422
// repeats it for the field that broke it.

const MAX_SAFE_ID = Number.MAX_SAFE_INTEGER;

export const OrderSchema = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    customer_id: Type.Integer({ minimum: 1 }),
    product_name: Type.String(),
    quantity: Type.Integer(),
    price: Type.Number({ description: 'At most two decimals' }),
    status: Type.Enum([...ORDER_STATUSES]),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { title: 'Order' },
);

export const CreateOrderBodySchema = Type.Object(
  {
    customer_id: Type.Integer({ minimum: 1, maximum: MAX_SAFE_ID, description: 'must be an integer of at least 1' }),
    product_name: Type.String({
      pattern: trimmedTextPattern(255),
      description: 'must be a string of 1 to 255 characters after trimming',
    }),
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'must be an integer from 1 to 1000000' }),
    price: Type.Union(
      [
        Type.Number({ minimum: 0, exclusiveMaximum: 100_000_000, multipleOf: 0.01 }),
        Type.String({ pattern: '^\\d{1,8}(\\.\\d{1,2})?$' }),
      ],
      { description: 'must be a number or decimal string from 0 to below 100000000 with at most 2 decimals' },
    ),
    status: Type.Optional(
      Type.Enum([...ORDER_STATUSES], { description: `must be one of ${ORDER_STATUSES.join(', ')}` }),
    ),
  },
  { title: 'NewOrder', description: 'Unknown fields are ignored.' },
);
export type CreateOrderBody = Static<typeof CreateOrderBodySchema>;

/** Every 503 of POST /api/v1/orders: always with a Retry-After header. */
export const PlaceOrderUnavailableSchema = Type.Object(
  {
    error: Type.Enum(['overloaded', 'customer_service_unavailable', 'database_unavailable'], { description: 'Stable snake_case code to branch on' }),
    message: Type.String({ description: 'Text for a human' }),
  },
  {
    title: 'PlaceOrderUnavailable',
    description:
      'Retry after the Retry-After header\'s seconds. overloaded: the service is at its limit and refused the order before reading it; ' +
      'customer_service_unavailable: the customer could not be checked; in both cases nothing was stored. database_unavailable: ' +
      'the database was lost mid-request, so the order may have been stored: retry with the same Idempotency-Key.',
  },
);

export const IdempotencyHeadersSchema = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ pattern: '^[\\x21-\\x7E]{1,255}$', description: 'must be 1 to 255 visible ASCII characters' }),
  ),
});

export const ListOrdersQuerySchema = Type.Object({
  customer_id: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SAFE_ID, description: 'must be an integer of at least 1' })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'must be an integer from 1 to 500' }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'must be the cursor from a Link header' })),
});

export const OrderIdParamsSchema = Type.Object({
  id: Type.String({ description: 'The order id' }),
});
