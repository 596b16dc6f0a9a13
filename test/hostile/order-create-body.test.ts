import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import {
  startCustomerService,
  startOrderService,
  type RunningCustomerService,
  type RunningOrderService,
} from '../support/running-services.js';
import { openTestPool } from '../support/test-pool.js';
import { expectContractError } from './support/contract-assertions.js';
import {
  deeplyNestedText,
  forbiddenHeaderCharacter,
  headerValue,
  hostileJsonText,
  hostileNumberText,
  hostileText,
  malformedJsonText,
  mediaTypeOf,
  objectText,
  oddContentType,
  oversizedBody,
  randomBytes,
} from './support/hostile-values.js';
import { closeRawAgent, sendBytes, sendRaw } from './support/raw-http.js';
import { countRows, type RowCounts } from './support/row-counts.js';

// Hostile input to POST /api/v1/orders. Customer Service here knows NO customer
// at all (this file's customer database is emptied), so no body can ever be a
// valid order: every answer must be a 4xx with the contract's error body, and
// not one row may appear in orders, outbox_events or idempotency_keys.

const ORDER_TABLES = ['orders', 'outbox_events', 'idempotency_keys'] as const;
const ORDER_KEYS = ['customer_id', 'product_name', 'quantity', 'price', 'status'] as const;
const NUM_RUNS = 200;

let databases: IsolatedDatabases;
let customerService: RunningCustomerService;
let orderService: RunningOrderService;
let orderDb: pg.Pool;
let before: RowCounts;

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  const customerDb = openTestPool(databases.customerDatabaseUrl);
  try {
    await customerDb.query('delete from customers');
  } finally {
    await customerDb.end();
  }
  customerService = await startCustomerService({ databaseUrl: databases.customerDatabaseUrl });
  orderService = await startOrderService({ databaseUrl: databases.orderDatabaseUrl, customerServiceUrl: customerService.url });
  orderDb = openTestPool(databases.orderDatabaseUrl);
  before = await countRows(orderDb, ORDER_TABLES);
});

afterAll(async () => {
  closeRawAgent();
  await orderService.close();
  await customerService.close();
  await orderDb.end();
  await databases.drop();
});

async function expectNothingWritten(): Promise<void> {
  expect(await countRows(orderDb, ORDER_TABLES)).toEqual(before);
}

function postOrder(body: Buffer | string | undefined, headers: Record<string, string | string[]> = { 'content-type': 'application/json' }) {
  return sendRaw(orderService.url, { method: 'POST', path: '/api/v1/orders', headers, body });
}

// --- valid parts, as JSON text -------------------------------------------------

const validCustomerId = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }).map(String);
const validProductName = fc
  .tuple(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }).filter((s) => s.trim().length === 1 && !s.includes('\u0000')),
    fc.string({ unit: 'grapheme', maxLength: 60 }).filter((s) => !s.includes('\u0000')),
  )
  .map(([first, rest]) => JSON.stringify(`${first}${rest}`.slice(0, 200)));
const validQuantity = fc.integer({ min: 1, max: 1_000_000 }).map(String);
const validPrice = fc
  .tuple(fc.integer({ min: 0, max: 9_999_999_999 }), fc.boolean())
  .map(([cents, asText]) => {
    const text = (cents / 100).toFixed(2);
    return asText ? JSON.stringify(text) : String(Number(text));
  });
const validStatus = fc.constantFrom('pending', 'processing', 'completed', 'cancelled').map((s) => JSON.stringify(s));

/** A body every field rule accepts; only the customer's existence is left to decide. */
const validBodyEntries: fc.Arbitrary<Array<[string, string]>> = fc
  .record(
    { customer_id: validCustomerId, product_name: validProductName, quantity: validQuantity, price: validPrice, status: validStatus },
    { requiredKeys: ['customer_id', 'product_name', 'quantity', 'price'] },
  )
  .map((record) => Object.entries(record));

// --- hostile bodies, each with what the contract promises for it -----------------

interface HostileBody {
  family: string;
  body: string | Buffer;
  expected?: { status: number; error: string };
}

const anyJsonValue = fc.jsonValue().map((value): HostileBody => ({ family: 'any JSON value', body: JSON.stringify(value) }));

const hostileJson = hostileJsonText(ORDER_KEYS).map((body): HostileBody => ({ family: 'hostile JSON', body }));

const rightKeysWrongValues = fc
  .array(fc.tuple(fc.constantFrom(...ORDER_KEYS), hostileJsonText(ORDER_KEYS)), { minLength: 1, maxLength: 8 })
  .map((entries): HostileBody => ({ family: 'right keys, hostile values', body: objectText(entries) }));

/** A valid body with some fields swapped for hostile values of the same or another type. */
const almostValid = fc
  .tuple(
    validBodyEntries,
    fc.array(fc.tuple(fc.constantFrom(...ORDER_KEYS), fc.oneof(hostileNumberText, hostileText.map((t) => JSON.stringify(t)))), {
      minLength: 1,
      maxLength: 3,
    }),
  )
  .map(([valid, swaps]): HostileBody => {
    const entries = new Map(valid);
    for (const [key, value] of swaps) entries.set(key, value);
    return { family: 'valid body with fields swapped', body: objectText([...entries]) };
  });

/** Duplicate keys: JSON.parse keeps the last one, so the first can hide anything. */
const duplicateKeys = fc
  .tuple(validBodyEntries, fc.constantFrom(...ORDER_KEYS), fc.oneof(hostileNumberText, hostileText.map((t) => JSON.stringify(t))), fc.boolean())
  .map(([valid, key, value, hostileLast]): HostileBody => {
    const entries: Array<[string, string]> = hostileLast ? [...valid, [key, value]] : [[key, value], ...valid];
    return { family: 'duplicate keys', body: objectText(entries) };
  });

const prototypeKeys = fc
  .tuple(validBodyEntries, fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.boolean())
  .map(([valid, key, nested]): HostileBody => {
    const inner = nested ? objectText([['prototype', objectText(valid)]]) : objectText(valid);
    return { family: 'prototype keys', body: objectText([...valid, [key, inner]]) };
  });

const topLevelNotObject = fc
  .oneof(
    validBodyEntries.map((valid) => `[${objectText(valid)}]`),
    hostileNumberText,
    hostileText.map((t) => JSON.stringify(t)),
    fc.constantFrom('null', 'true', 'false', '[]', '""', '0'),
  )
  .map((body): HostileBody => ({ family: 'top level not an object', body }));

const deepNesting = fc
  .tuple(fc.integer({ min: 500, max: 5_000 }), fc.constantFrom('array', 'object'), fc.constantFrom('whole', 'customer_id', 'extra'), validBodyEntries)
  .map(([depth, shape, where, valid]): HostileBody => {
    const deep = deeplyNestedText(depth, shape);
    if (where === 'whole') return { family: 'deep nesting', body: deep };
    if (where === 'customer_id') return { family: 'deep nesting', body: objectText([...valid.filter(([k]) => k !== 'customer_id'), ['customer_id', deep]]) };
    // Valid otherwise: unknown fields are ignored, so only the missing customer stops it.
    return { family: 'deep nesting', body: objectText([...valid, ['extra', deep]]), expected: { status: 422, error: 'customer_not_found' } };
  });

const malformed = malformedJsonText(ORDER_KEYS).map(
  (body): HostileBody => ({ family: 'malformed JSON', body, expected: { status: 400, error: 'invalid_json' } }),
);

const bytes = randomBytes.map((body): HostileBody => ({ family: 'random bytes', body }));

const tooLarge = oversizedBody.map(
  (body): HostileBody => ({ family: 'over 64 KiB', body, expected: { status: 413, error: 'payload_too_large' } }),
);

const hostileBody: fc.Arbitrary<HostileBody> = fc.oneof(
  anyJsonValue,
  hostileJson,
  rightKeysWrongValues,
  almostValid,
  duplicateKeys,
  prototypeKeys,
  topLevelNotObject,
  deepNesting,
  malformed,
  bytes,
  tooLarge,
);

describe('POST /api/v1/orders under hostile input', () => {
  it('answers every hostile body with a 4xx contract error and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(hostileBody, async ({ body, expected }) => {
        const response = await postOrder(body);
        const error = expectContractError(response);
        if (expected !== undefined) expect({ status: response.status, error: error.error }).toEqual(expected);
        await expectNothingWritten();
      }),
      { numRuns: 2 * NUM_RUNS },
    );
  });

  it('answers every well-formed order for a customer that does not exist with 422 customer_not_found, and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(validBodyEntries, async (entries) => {
        const response = await postOrder(objectText(entries));
        const error = expectContractError(response, [422]);
        const customerId = entries.find(([key]) => key === 'customer_id')?.[1];
        expect(error).toEqual({ error: 'customer_not_found', message: `customer ${customerId} does not exist` });
        await expectNothingWritten();
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('answers 413 payload_too_large for a chunked body over 64 KiB, and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(oversizedBody, async (body) => {
        const response = await sendRaw(orderService.url, {
          method: 'POST',
          path: '/api/v1/orders',
          headers: { 'content-type': 'application/json' },
          body,
          chunked: true,
        });
        expect(expectContractError(response, [413]).error).toBe('payload_too_large');
        await expectNothingWritten();
      }),
      { numRuns: 20 },
    );
  });
});

describe('POST /api/v1/orders with odd content types', () => {
  const bodies = fc.oneof(
    validBodyEntries.map((entries) => objectText(entries)),
    malformedJsonText(ORDER_KEYS),
    fc.constantFrom('', 'customer_id=1&product_name=x&quantity=1&price=1', '<order><customer_id>1</customer_id></order>'),
  );

  it('answers 415 unsupported_media_type for any body that is not declared as JSON, and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(oddContentType, bodies, async (contentType, body) => {
        const response = await postOrder(body, { 'content-type': contentType });
        const error = expectContractError(response);
        if (mediaTypeOf(contentType) !== 'application/json' && body !== '') {
          expect({ status: response.status, error: error.error }).toEqual({ status: 415, error: 'unsupported_media_type' });
        }
        await expectNothingWritten();
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('answers a body without any content type with 415, and no body at all with 422 validation_failed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(bodies.filter((b) => b !== ''), { nil: undefined }), async (body) => {
        const response = await postOrder(body, {});
        const error = expectContractError(response);
        if (body === undefined) expect({ status: response.status, error: error.error }).toEqual({ status: 422, error: 'validation_failed' });
        else expect({ status: response.status, error: error.error }).toEqual({ status: 415, error: 'unsupported_media_type' });
        await expectNothingWritten();
      }),
      { numRuns: 50 },
    );
  });
});

describe('POST /api/v1/orders with odd Idempotency-Key headers', () => {
  const oddKey = fc.oneof(
    headerValue.map((value) => value as string | string[]),
    fc.array(headerValue, { minLength: 2, maxLength: 3 }),
  );

  it('answers 422 for any key with a valid body for an unknown customer, and stores no key', async () => {
    await fc.assert(
      fc.asyncProperty(oddKey, validBodyEntries, async (key, entries) => {
        const response = await postOrder(objectText(entries), { 'content-type': 'application/json', 'idempotency-key': key });
        const error = expectContractError(response, [422]);
        expect(['validation_failed', 'customer_not_found']).toContain(error.error);
        await expectNothingWritten();
      }),
      { numRuns: NUM_RUNS },
    );
  });

});

// Found by this suite: Node's HTTP parser refuses such a request before Fastify
// routes it, and Fastify's default client error handler used to answer
// {"error":"Bad Request","message":"Client Error","statusCode":400}.
describe('malformed HTTP on the Order Service', () => {
  it('answers an Idempotency-Key holding a control character with the contract error body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme-ascii', maxLength: 10 }), forbiddenHeaderCharacter, async (prefix, bad) => {
        const body = '{"customer_id":1,"product_name":"x","quantity":1,"price":1}';
        const head =
          `POST /api/v1/orders HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n` +
          `Idempotency-Key: ${prefix}${bad}key\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
        const response = await sendBytes(orderService.url, Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]));
        expectContractError(response, [400, 422]);
        await expectNothingWritten();
      }),
      { numRuns: 30 },
    );
  });

  it('answers request headers over Node\'s 16 KiB limit (a huge Idempotency-Key) with the contract error body', async () => {
    // Today: 431 {"error":"Request Header Fields Too Large","message":"Exceeded maximum allowed HTTP header size","statusCode":431}
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 17 * 1024, max: 64 * 1024 }), async (length) => {
        const body = '{"customer_id":1,"product_name":"x","quantity":1,"price":1}';
        const head =
          `POST /api/v1/orders HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n` +
          `Idempotency-Key: ${'k'.repeat(length)}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
        const response = await sendBytes(orderService.url, Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]));
        expectContractError(response, [400, 413, 422, 431]);
        await expectNothingWritten();
      }),
      { numRuns: 10 },
    );
  });
});
