import { trimmedTextPattern } from '@orders/service-kit/http';
import { Type, type Static } from 'typebox';

// Each field's `description` is its rule: the OpenAPI page shows it and a 422
// repeats it for the field that broke it.

export const CustomerSchema = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    name: Type.String(),
    address: Type.String(),
    orders_count: Type.Integer({ minimum: 0, description: 'Orders placed by this customer, counted from order.created events' }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { title: 'Customer' },
);

const text = Type.String({
  pattern: trimmedTextPattern(255),
  description: 'must be a string of 1 to 255 characters after trimming',
});

export const CreateCustomerBodySchema = Type.Object(
  { name: text, address: text },
  { title: 'NewCustomer', description: 'Unknown fields are ignored.' },
);
export type CreateCustomerBody = Static<typeof CreateCustomerBodySchema>;

export const ListCustomersQuerySchema = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'must be an integer from 1 to 500' }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'must be the cursor from a Link header' })),
});

export const CustomerIdParamsSchema = Type.Object({
  id: Type.String({ description: 'The customer id' }),
});

export const ApiKeyHeadersSchema = Type.Object({
  'x-internal-api-key': Type.Optional(Type.String({ description: 'The shared INTERNAL_API_KEY' })),
});
