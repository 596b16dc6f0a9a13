import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCustomer,
  createIsolatedDatabases,
  type IsolatedDatabases,
  openTestPool,
  request,
  type RunningCustomerService,
  type RunningOrderService,
  startCustomerService,
  startOrderService,
  unique,
} from '@orders/test-harness';

interface OrderJson {
  id: number;
  customer_id: number;
  product_name: string;
  quantity: number;
  price: number;
  status: string;
  created_at: string;
  updated_at: string;
}

let databases: IsolatedDatabases;
let customerService: RunningCustomerService;
let orderService: RunningOrderService;
let orderDb: pg.Pool;

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  customerService = await startCustomerService({ databaseUrl: databases.customerDatabaseUrl });
  orderService = await startOrderService({ databaseUrl: databases.orderDatabaseUrl, customerServiceUrl: customerService.url });
  orderDb = openTestPool(databases.orderDatabaseUrl);
});

afterAll(async () => {
  await orderService.close();
  await customerService.close();
  await orderDb.end();
  await databases.drop();
});

const postOrder = (body: unknown, headers: Record<string, string> = {}) =>
  request<OrderJson>(`${orderService.url}/api/v1/orders`, { body, headers });

async function countRows(productName: string): Promise<{ orders: number; events: number }> {
  const { rows } = await orderDb.query<{ orders: number; events: number }>(
    `select (select count(*)::int from orders where product_name = $1) as orders,
            (select count(*)::int from outbox_events where payload->>'product_name' = $1) as events`,
    [productName],
  );
  return rows[0] ?? { orders: -1, events: -1 };
}

describe('POST /api/v1/orders', () => {
  it('stores the order with its order.created event and answers 201 with Location', async () => {
    const customer = await createCustomer(customerService.url);
    const productName = unique('Widget');

    const response = await postOrder({ customer_id: customer.id, product_name: `  ${productName} `, quantity: 2, price: 9.99 });

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ customer_id: customer.id, product_name: productName, quantity: 2, price: 9.99, status: 'pending' });
    expect(response.body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(response.headers.get('location')).toBe(`/api/v1/orders/${response.body.id}`);

    const { rows } = await orderDb.query<{
      event_id: string;
      event_type: string;
      payload: Record<string, unknown>;
      published_at: Date | null;
      attempts: number;
    }>(
      'select event_id, event_type, payload, published_at, attempts from outbox_events where aggregate_id = $1',
      [response.body.id],
    );
    expect(rows).toHaveLength(1);
    const [event] = rows;
    expect(event?.event_type).toBe('order.created');
    expect(event?.published_at).toBeNull();
    expect(event?.attempts).toBe(0);
    expect(event?.payload).toEqual({
      event_id: event?.event_id,
      occurred_at: response.body.created_at,
      order_id: response.body.id,
      customer_id: customer.id,
      product_name: productName,
      quantity: 2,
      price: 9.99,
      status: 'pending',
    });
  });

  it('accepts a decimal string price and an explicit status, and ignores unknown fields', async () => {
    const customer = await createCustomer(customerService.url);
    const response = await postOrder({
      customer_id: customer.id,
      product_name: unique('Gadget'),
      quantity: 1,
      price: '1234.5',
      status: 'processing',
      colour: 'blue',
    });
    expect(response.status).toBe(201);
    expect(response.body.price).toBe(1234.5);
    expect(response.body.status).toBe('processing');
    expect(response.body).not.toHaveProperty('colour');
  });

  it('keeps the largest allowed price exact', async () => {
    const customer = await createCustomer(customerService.url);
    const response = await postOrder({ customer_id: customer.id, product_name: unique('Yacht'), quantity: 1, price: 99999999.99 });
    expect(response.status).toBe(201);
    expect(response.body.price).toBe(99999999.99);
  });

  it('reports every broken field rule in one 422, and writes nothing', async () => {
    const productName = unique('Broken');
    const response = await postOrder({ customer_id: 0, product_name: productName, quantity: 0, price: 1.005, status: 'shipped' });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ error: 'validation_failed' });
    const fields = (response.body as unknown as { details: { field: string; message: string }[] }).details.map((d) => d.field);
    expect(fields.sort()).toEqual(['customer_id', 'price', 'quantity', 'status']);
    expect(await countRows(productName)).toEqual({ orders: 0, events: 0 });
  });

  it.each([
    ['a missing customer_id', { product_name: 'x', quantity: 1, price: 1 }, 'customer_id', 'is required'],
    ['a customer_id given as text', { customer_id: '1', product_name: 'x', quantity: 1, price: 1 }, 'customer_id', 'must be an integer of at least 1'],
    ['a fractional customer_id', { customer_id: 1.5, product_name: 'x', quantity: 1, price: 1 }, 'customer_id', 'must be an integer of at least 1'],
    ['a blank product_name', { customer_id: 1, product_name: '   ', quantity: 1, price: 1 }, 'product_name', 'must be a string of 1 to 255 characters after trimming'],
    ['a product_name of 256 characters', { customer_id: 1, product_name: 'p'.repeat(256), quantity: 1, price: 1 }, 'product_name', 'must be a string of 1 to 255 characters after trimming'],
    ['a product_name with a NUL byte', { customer_id: 1, product_name: 'a\u0000b', quantity: 1, price: 1 }, 'product_name', 'must be a string of 1 to 255 characters after trimming'],
    ['a quantity above a million', { customer_id: 1, product_name: 'x', quantity: 1_000_001, price: 1 }, 'quantity', 'must be an integer from 1 to 1000000'],
    ['a negative price', { customer_id: 1, product_name: 'x', quantity: 1, price: -0.01 }, 'price', 'must be a number or decimal string from 0 to below 100000000 with at most 2 decimals'],
    ['a price of 100 million', { customer_id: 1, product_name: 'x', quantity: 1, price: 100_000_000 }, 'price', 'must be a number or decimal string from 0 to below 100000000 with at most 2 decimals'],
    ['a price string with three decimals', { customer_id: 1, product_name: 'x', quantity: 1, price: '1.999' }, 'price', 'must be a number or decimal string from 0 to below 100000000 with at most 2 decimals'],
    ['an unknown status', { customer_id: 1, product_name: 'x', quantity: 1, price: 1, status: 'PENDING' }, 'status', 'must be one of pending, processing, completed, cancelled'],
  ])('answers 422 validation_failed for %s', async (_case, body, field, message) => {
    const response = await postOrder(body);
    expect(response.status).toBe(422);
    expect(response.body).toEqual({ error: 'validation_failed', message: 'the request is not valid', details: [{ field, message }] });
  });

  it('accepts a product_name of 255 characters surrounded by spaces', async () => {
    const customer = await createCustomer(customerService.url);
    const name = `${'n'.repeat(250)}${unique('').slice(-5)}`;
    const response = await postOrder({ customer_id: customer.id, product_name: `   ${name}   `, quantity: 1, price: 0 });
    expect(response.status).toBe(201);
    expect(response.body.product_name).toBe(name);
  });

  it('answers 422 customer_not_found when Customer Service does not know the customer, and writes nothing', async () => {
    const productName = unique('Orphan');
    const response = await postOrder({ customer_id: 987_654_321, product_name: productName, quantity: 1, price: 1 });
    expect(response.status).toBe(422);
    expect(response.body).toEqual({ error: 'customer_not_found', message: 'customer 987654321 does not exist' });
    expect(await countRows(productName)).toEqual({ orders: 0, events: 0 });
  });

  it('answers 400 invalid_json for a body that is not JSON', async () => {
    const response = await request(`${orderService.url}/api/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      rawBody: '{"customer_id": 1,',
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: 'invalid_json', message: 'the request body is not valid JSON' });
  });

  it('answers 413 payload_too_large for a body over 64 KiB', async () => {
    const response = await postOrder({ customer_id: 1, product_name: 'x', quantity: 1, price: 1, padding: 'p'.repeat(70_000) });
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ error: 'payload_too_large' });
  });

  it('answers 415 unsupported_media_type for a body that is not JSON by content type', async () => {
    const response = await request(`${orderService.url}/api/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      rawBody: 'customer_id=1',
    });
    expect(response.status).toBe(415);
    expect(response.body).toMatchObject({ error: 'unsupported_media_type' });
  });
});

describe('POST /api/v1/orders with an Idempotency-Key', () => {
  it('creates once, then replays the original order with 200 and Idempotent-Replayed', async () => {
    const customer = await createCustomer(customerService.url);
    const key = unique('key');
    const body = { customer_id: customer.id, product_name: unique('Once'), quantity: 3, price: 5 };

    const first = await postOrder(body, { 'idempotency-key': key });
    const second = await postOrder({ ...body, price: '5.00' }, { 'idempotency-key': key });

    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await countRows(body.product_name)).toEqual({ orders: 1, events: 1 });
  });

  it('answers 422 idempotency_key_reused when the same key comes with a different body', async () => {
    const customer = await createCustomer(customerService.url);
    const key = unique('key');
    const body = { customer_id: customer.id, product_name: unique('First'), quantity: 1, price: 1 };
    expect((await postOrder(body, { 'idempotency-key': key })).status).toBe(201);

    const reused = await postOrder({ ...body, quantity: 2 }, { 'idempotency-key': key });

    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ error: 'idempotency_key_reused' });
    expect(await countRows(body.product_name)).toEqual({ orders: 1, events: 1 });
  });

  it('creates exactly one order when ten requests with one key arrive at once', async () => {
    const customer = await createCustomer(customerService.url);
    const key = unique('key');
    const body = { customer_id: customer.id, product_name: unique('Concurrent'), quantity: 1, price: 2.5 };

    const responses = await Promise.all(Array.from({ length: 10 }, () => postOrder(body, { 'idempotency-key': key })));

    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    expect(await countRows(body.product_name)).toEqual({ orders: 1, events: 1 });
  });

  it('answers 422 for a key that is not 1 to 255 visible characters', async () => {
    const response = await postOrder({ customer_id: 1, product_name: 'x', quantity: 1, price: 1 }, { 'idempotency-key': 'has space' });
    expect(response.status).toBe(422);
    expect(response.body).toEqual({
      error: 'validation_failed',
      message: 'the request is not valid',
      details: [{ field: 'idempotency-key', message: 'must be 1 to 255 visible ASCII characters' }],
    });
  });
});

describe('atomicity of the outbox write', () => {
  it('leaves no order row when the outbox insert fails', async () => {
    const customer = await createCustomer(customerService.url);
    const productName = unique('Doomed');
    // A fault planted in this test's own database: the outbox refuses this one event.
    await orderDb.query(`
      create or replace function refuse_doomed_event() returns trigger language plpgsql as $$
      begin
        if new.payload->>'product_name' like 'Doomed-%' then raise exception 'outbox unavailable'; end if;
        return new;
      end $$;
      create trigger refuse_doomed_event before insert on outbox_events
        for each row execute function refuse_doomed_event();
    `);
    try {
      const response = await postOrder({ customer_id: customer.id, product_name: productName, quantity: 1, price: 1 });
      expect(response.status).toBe(500);
      expect(response.body).toEqual({ error: 'internal_error', message: 'something went wrong on our side; it has been logged' });
      expect(response.text).not.toContain('outbox unavailable');
      expect(await countRows(productName)).toEqual({ orders: 0, events: 0 });
    } finally {
      await orderDb.query('drop trigger refuse_doomed_event on outbox_events');
    }
  });
});
