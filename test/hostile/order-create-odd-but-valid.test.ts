import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomer, type CustomerJson } from '../support/customers.js';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import {
  startCustomerService,
  startOrderService,
  unique,
  type RunningCustomerService,
  type RunningOrderService,
} from '../support/running-services.js';
import { openTestPool } from '../support/test-pool.js';
import { expectContractError } from './support/contract-assertions.js';
import { objectText } from './support/hostile-values.js';
import { closeRawAgent, sendRaw } from './support/raw-http.js';
import { countRows } from './support/row-counts.js';

// The other side of the hostile-input suite: bodies that break no field rule,
// however odd their text, numbers or Idempotency-Key, for a customer that
// exists. Each must be stored once, exactly as sent (after trimming), with its
// event; a repeat with the same key must replay it and write nothing.

const ORDER_TABLES = ['orders', 'outbox_events', 'idempotency_keys'] as const;

interface OrderJson {
  id: number;
  customer_id: number;
  product_name: string;
  quantity: number;
  price: number;
  status: string;
}

let databases: IsolatedDatabases;
let customerService: RunningCustomerService;
let orderService: RunningOrderService;
let orderDb: pg.Pool;
let customer: CustomerJson;

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  customerService = await startCustomerService({ databaseUrl: databases.customerDatabaseUrl });
  orderService = await startOrderService({ databaseUrl: databases.orderDatabaseUrl, customerServiceUrl: customerService.url });
  orderDb = openTestPool(databases.orderDatabaseUrl);
  customer = await createCustomer(customerService.url);
});

afterAll(async () => {
  closeRawAgent();
  await orderService.close();
  await customerService.close();
  await orderDb.end();
  await databases.drop();
});

/**
 * Any Unicode scalar value but NUL (the one character PostgreSQL text cannot
 * hold). Lone surrogates are not scalar values; they have a property of their own below.
 */
const codePoint = fc
  .oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.constantFrom('"', '\\', "'", ';', '%', '\u0001', '\u001f', '\u007f', '\u202e', '\u200b', '\ufffd', '😀', 'é', '\u0301'),
  )
  .filter((c) => c !== '\u0000');
const visibleCodePoint = codePoint.filter((c) => !/^\s$/u.test(c));
const surroundingSpace = fc.constantFrom('', ' ', '\t', '\n', '  \r\n', '\u00a0', '\u2028', '\ufeff', '\u3000');

/** A product name of 1 to 255 code points after trimming, however strange its characters. */
const oddProductName = fc
  .tuple(
    surroundingSpace,
    visibleCodePoint,
    fc.array(fc.oneof(codePoint, fc.constantFrom(' ', '\t', "'; drop table orders; --")), { maxLength: 60 }),
    fc.option(visibleCodePoint, { nil: '' }),
    surroundingSpace,
  )
  .map(([lead, first, middle, last, trail]) => {
    const core = [first, ...Array.from(middle.join('')).slice(0, 253), last].join('');
    return { sent: `${lead}${core}${trail}`, stored: core.trimEnd() };
  });

const oddPrice = fc.oneof(
  fc.integer({ min: 0, max: 9_999_999_999 }).map((cents) => ({ json: String(cents / 100), value: cents / 100 })),
  fc
    .tuple(fc.integer({ min: 0, max: 99_999_999 }), fc.option(fc.integer({ min: 0, max: 99 }), { nil: undefined }), fc.nat(3))
    .map(([whole, fraction, zeros]) => {
      const wholeText = `${'0'.repeat(zeros)}${whole}`.slice(-8);
      const text = fraction === undefined ? wholeText : `${wholeText}.${String(fraction).padStart(2, '0')}`;
      return { json: JSON.stringify(text), value: Number(text) };
    }),
  fc.constantFrom(
    { json: '-0', value: 0 },
    { json: '0.0', value: 0 },
    { json: '1e1', value: 10 },
    { json: '1.10', value: 1.1 },
    { json: '99999999.99', value: 99999999.99 },
    { json: '"99999999.99"', value: 99999999.99 },
  ),
);

const oddQuantity = fc.oneof(
  fc.integer({ min: 1, max: 1_000_000 }).map((n) => ({ json: String(n), value: n })),
  fc.constantFrom({ json: '1.0', value: 1 }, { json: '1e6', value: 1_000_000 }, { json: '10E-1', value: 1 }),
);

/** Any visible ASCII; the property makes each key unique, so two runs (or shrink steps) never share one. */
const oddIdempotencyKey = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 200 });

describe('POST /api/v1/orders with odd but valid input for an existing customer', () => {
  it('stores each order once, exactly as sent after trimming, and replays it for a repeated key without writing', async () => {
    await fc.assert(
      fc.asyncProperty(
        oddProductName,
        oddQuantity,
        oddPrice,
        fc.option(fc.constantFrom('pending', 'processing', 'completed', 'cancelled'), { nil: undefined }),
        oddIdempotencyKey,
        fc.array(fc.tuple(fc.constantFrom('colour', 'customer', 'id', 'created_at', 'Status'), fc.jsonValue({ maxDepth: 2 }))),
        async (name, quantity, price, status, keyText, extras) => {
          const key = `${keyText}${unique('')}`.slice(-255);
          const entries: Array<[string, string]> = [
            ...extras.map(([k, v]): [string, string] => [k, JSON.stringify(v)]),
            ['customer_id', String(customer.id)],
            ['product_name', JSON.stringify(name.sent)],
            ['quantity', quantity.json],
            ['price', price.json],
          ];
          if (status !== undefined) entries.push(['status', JSON.stringify(status)]);
          const body = objectText(entries);
          const headers = { 'content-type': 'application/json', 'idempotency-key': key };
          const before = await countRows(orderDb, ORDER_TABLES);

          const created = await sendRaw(orderService.url, { method: 'POST', path: '/api/v1/orders', headers, body });
          expect(created.status, created.text).toBe(201);
          const order = JSON.parse(created.text) as OrderJson;
          expect(order).toMatchObject({
            customer_id: customer.id,
            product_name: name.stored,
            quantity: quantity.value,
            price: price.value,
            status: status ?? 'pending',
          });
          const stored = await orderDb.query<{ product_name: string; payload_name: string }>(
            `select o.product_name, e.payload->>'product_name' as payload_name
             from orders o join outbox_events e on e.aggregate_id = o.id where o.id = $1`,
            [order.id],
          );
          expect(stored.rows).toEqual([{ product_name: name.stored, payload_name: name.stored }]);
          expect(await countRows(orderDb, ORDER_TABLES)).toEqual({
            orders: (before.orders ?? 0) + 1,
            outbox_events: (before.outbox_events ?? 0) + 1,
            idempotency_keys: (before.idempotency_keys ?? 0) + 1,
          });

          const replayed = await sendRaw(orderService.url, { method: 'POST', path: '/api/v1/orders', headers, body });
          expect(replayed.status, replayed.text).toBe(200);
          expect((JSON.parse(replayed.text) as OrderJson).id).toBe(order.id);

          const changed = objectText([...entries, ['quantity', String(quantity.value === 1 ? 2 : 1)]]);
          const reused = await sendRaw(orderService.url, { method: 'POST', path: '/api/v1/orders', headers, body: changed });
          expect(expectContractError(reused, [422]).error).toBe('idempotency_key_reused');
          expect((await countRows(orderDb, ORDER_TABLES)).orders).toBe((before.orders ?? 0) + 1);
        },
      ),
      { numRuns: 150 },
    );
  });
});

/** Text with a UTF-16 surrogate that has no partner: valid as a JSON escape, not as Unicode. */
const textWithLoneSurrogate = fc
  .tuple(
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 10 }).filter((t) => t.trim() === t && t.length > 0),
    fc.integer({ min: 0xd800, max: 0xdfff }),
    fc.string({ unit: 'grapheme-ascii', maxLength: 10 }).filter((t) => t.trim() === t),
  )
  .map(([before, surrogate, after]) => `${before}${String.fromCharCode(surrogate)}${after}`);

// Found by this suite: the text rule used to accept a lone surrogate, which
// node-postgres encodes as U+FFFD, so the order was stored (and answered)
// with a different product name than the one sent.
describe('a lone surrogate in product_name', () => {
  it('either refuses a product name holding a lone surrogate with 422, or stores it exactly as sent', async () => {
    await fc.assert(
      fc.asyncProperty(textWithLoneSurrogate, async (name) => {
        const before = await countRows(orderDb, ORDER_TABLES);
        const body = objectText([
          ['customer_id', String(customer.id)],
          ['product_name', JSON.stringify(name)],
          ['quantity', '1'],
          ['price', '1'],
        ]);
        const response = await sendRaw(orderService.url, {
          method: 'POST',
          path: '/api/v1/orders',
          headers: { 'content-type': 'application/json' },
          body,
        });
        if (response.status === 201) {
          expect((JSON.parse(response.text) as OrderJson).product_name, 'stored exactly as sent').toBe(name);
        } else {
          expect(expectContractError(response, [422]).error).toBe('validation_failed');
          expect(await countRows(orderDb, ORDER_TABLES)).toEqual(before);
        }
      }),
      { numRuns: 50 },
    );
  });
});
