import { describe, expect, it } from 'vitest';
import {
  ORDER_CREATED_V1_FIELDS,
  orderCreatedJsonbSql,
  orderCreatedMessageProperties,
  parseOrderCreated,
  serializeOrderCreated,
  type OrderCreatedSqlSources,
  type OrderCreatedV1,
} from '../src/index.js';

const event: OrderCreatedV1 = {
  event_id: '0b6f3c4e-8a43-4c8e-9d7e-2f0e6b1a9c11',
  occurred_at: '2026-11-25T09:00:00.123Z',
  order_id: 1,
  customer_id: 3,
  product_name: 'Widget',
  quantity: 2,
  price: 9.99,
  status: 'pending',
};

describe('order.created v1', () => {
  it('serialises in the contract’s field order and parses back', () => {
    const body = serializeOrderCreated({ ...event });
    expect(Object.keys(JSON.parse(body.toString()) as object)).toEqual([
      'event_id', 'occurred_at', 'order_id', 'customer_id', 'product_name', 'quantity', 'price', 'status',
    ]);
    expect(parseOrderCreated(body)).toEqual({ ok: true, event });
  });

  it('gives a reason for a body that is not JSON or breaks the schema', () => {
    expect(parseOrderCreated(Buffer.from('not json'))).toEqual({ ok: false, reason: 'invalid_json: body is not JSON' });
    const wrong = parseOrderCreated(Buffer.from(JSON.stringify({ ...event, event_id: 'x', quantity: 0 })));
    expect(wrong.ok).toBe(false);
    expect(!wrong.ok && wrong.reason).toMatch(/^invalid_event: .*event_id.*quantity/);
    expect(parseOrderCreated(Buffer.from(JSON.stringify({ ...event, occurred_at: '2026-13-45T99:99:99Z' })))).toMatchObject({ ok: false });
  });

  it('sets the contract’s message properties', () => {
    const properties = orderCreatedMessageProperties(event, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', new Date('2026-11-25T09:00:01.999Z'));
    expect(properties).toEqual({
      persistent: true,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      messageId: event.event_id,
      type: 'order.created',
      timestamp: 1795597201,
      headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
    expect(orderCreatedMessageProperties(event, undefined, new Date()).headers).toEqual({});
  });
});

describe('order.created v1 built in SQL', () => {
  it('names every contract field once, in the contract’s order', () => {
    const sources = Object.fromEntries(ORDER_CREATED_V1_FIELDS.map((field) => [field, `source_of_${field}`])) as OrderCreatedSqlSources;
    expect(orderCreatedJsonbSql(sources)).toBe(
      "jsonb_build_object('event_id', source_of_event_id, 'occurred_at', source_of_occurred_at, 'order_id', source_of_order_id, " +
        "'customer_id', source_of_customer_id, 'product_name', source_of_product_name, 'quantity', source_of_quantity, " +
        "'price', source_of_price, 'status', source_of_status)",
    );
  });
});
