import { Ajv, type ErrorObject } from 'ajv';
import { Type, type Static } from 'typebox';
import { ORDER_CREATED_EVENT_TYPE } from './messaging-topology.js';
import { ORDER_STATUSES } from './order-status.js';

const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const ISO_8601_UTC_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$';

/**
 * order.created, version 1: the body of every message on `orders.v1` with
 * routing key `order.created`. Unknown extra fields are allowed so a producer
 * can add one without breaking consumers that do not know it yet.
 */
export const OrderCreatedV1Schema = Type.Object({
  event_id: Type.String({ pattern: UUID_PATTERN, description: 'Unique per event; the consumer applies each event_id once' }),
  occurred_at: Type.String({ pattern: ISO_8601_UTC_PATTERN, description: 'When the order was stored (ISO 8601)' }),
  order_id: Type.Integer({ minimum: 1 }),
  customer_id: Type.Integer({ minimum: 1 }),
  product_name: Type.String({ minLength: 1, maxLength: 255 }),
  quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  price: Type.Number({ minimum: 0, exclusiveMaximum: 100_000_000 }),
  status: Type.Enum([...ORDER_STATUSES]),
});

export type OrderCreatedV1 = Static<typeof OrderCreatedV1Schema>;

export type ParsedOrderCreated = { ok: true; event: OrderCreatedV1 } | { ok: false; reason: string };

const ajv = new Ajv({ allErrors: true, strict: true });
const validateOrderCreated = ajv.compile<OrderCreatedV1>(OrderCreatedV1Schema);

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((error) => `${error.instancePath || 'body'} ${error.message ?? 'is invalid'}`.trim())
    .join('; ');
}

/** Parses a message body; never throws, so a poison message cannot crash the consumer. */
export function parseOrderCreated(body: Buffer): ParsedOrderCreated {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'invalid_json: body is not JSON' };
  }
  if (!validateOrderCreated(value)) {
    return { ok: false, reason: `invalid_event: ${describeErrors(validateOrderCreated.errors)}` };
  }
  if (!Number.isFinite(Date.parse(value.occurred_at))) {
    return { ok: false, reason: 'invalid_event: /occurred_at is not a real instant' };
  }
  return { ok: true, event: value };
}

/** Serialises with the contract's field order, whatever order the source object has. */
export function serializeOrderCreated(event: OrderCreatedV1): Buffer {
  const ordered: OrderCreatedV1 = {
    event_id: event.event_id,
    occurred_at: event.occurred_at,
    order_id: event.order_id,
    customer_id: event.customer_id,
    product_name: event.product_name,
    quantity: event.quantity,
    price: event.price,
    status: event.status,
  };
  return Buffer.from(JSON.stringify(ordered), 'utf8');
}

/** AMQP properties the contract fixes for an order.created message. */
export interface OrderCreatedMessageProperties {
  persistent: true;
  contentType: 'application/json';
  contentEncoding: 'utf-8';
  messageId: string;
  type: typeof ORDER_CREATED_EVENT_TYPE;
  timestamp: number;
  headers: Record<string, string>;
}

export function orderCreatedMessageProperties(
  event: OrderCreatedV1,
  traceparent: string | null | undefined,
  now: Date,
): OrderCreatedMessageProperties {
  return {
    persistent: true,
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    messageId: event.event_id,
    type: ORDER_CREATED_EVENT_TYPE,
    // AMQP timestamps are whole seconds since the epoch.
    timestamp: Math.floor(now.getTime() / 1000),
    headers: traceparent ? { traceparent } : {},
  };
}
