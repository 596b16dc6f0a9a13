import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomer } from '../support/customers.js';
import { request, type JsonResponse } from '../support/http-client.js';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import {
  startCustomerService,
  startOrderService,
  unique,
  type RunningCustomerService,
  type RunningOrderService,
} from '../support/running-services.js';
import { openTestPool } from '../support/test-pool.js';
import { expectContractError, expectJsonArray } from './support/contract-assertions.js';
import { brokenPercentEncoding, hostileQuery, nonAsciiUrlText, pathSegment, percentEncode } from './support/hostile-urls.js';
import { closeRawAgent, sendBytes, sendRaw } from './support/raw-http.js';
import { countRows, type RowCounts } from './support/row-counts.js';

// Hostile query strings and path parameters on the Order Service's read routes:
// never a 5xx, a JSON array or the contract's error body, and nothing written.

const ORDER_TABLES = ['orders', 'outbox_events', 'idempotency_keys'] as const;

let databases: IsolatedDatabases;
let customerService: RunningCustomerService;
let orderService: RunningOrderService;
let orderDb: pg.Pool;
let orderIds: Set<number>;
/** Cursors the service itself handed out, to mix real tokens among the junk. */
let issuedCursors: string[];
let before: RowCounts;

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  customerService = await startCustomerService({ databaseUrl: databases.customerDatabaseUrl });
  orderService = await startOrderService({ databaseUrl: databases.orderDatabaseUrl, customerServiceUrl: customerService.url });
  orderDb = openTestPool(databases.orderDatabaseUrl);

  const customer = await createCustomer(customerService.url);
  orderIds = new Set();
  for (let i = 0; i < 4; i += 1) {
    const placed = await request<{ id: number }>(`${orderService.url}/api/v1/orders`, {
      body: { customer_id: customer.id, product_name: unique('Readable'), quantity: 1, price: 1 },
    });
    expect(placed.status).toBe(201);
    orderIds.add(placed.body.id);
  }
  issuedCursors = [];
  let next: string | undefined = '/api/v1/orders?limit=1';
  while (next !== undefined) {
    const page: JsonResponse = await request(`${orderService.url}${next}`);
    next = /^<([^>]+)>; rel="next"$/.exec(page.headers.get('link') ?? '')?.[1];
    const cursor = next === undefined ? undefined : new URL(next, 'http://x').searchParams.get('cursor');
    if (cursor !== undefined && cursor !== null) issuedCursors.push(cursor);
  }
  expect(issuedCursors.length).toBeGreaterThan(0);
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

/** Real cursors, and real cursors bent: truncated, extended, re-encoded. */
function cursorValues(): fc.Arbitrary<string> {
  const real = fc.constantFrom(...issuedCursors);
  return fc.oneof(
    real,
    fc.tuple(real, fc.nat(20)).map(([cursor, cut]) => cursor.slice(0, Math.max(0, cursor.length - cut))),
    fc.tuple(real, fc.constantFrom('A', '=', '%3D', '-', '_', '%00', 'AAAA')).map(([cursor, extra]) => cursor + extra),
    fc
      .constantFrom('v1:0', 'v1:-1', 'v1:1.5', 'v1:99999999999999999', 'v1:9007199254740993', 'v2:1', 'v1:', 'v1:1\u0000', 'v1:١')
      .map((text) => percentEncode(Buffer.from(text, 'utf8').toString('base64url'))),
    fc.string({ maxLength: 300 }).map((text) => percentEncode(Buffer.from(text, 'utf8').toString('base64'))),
  );
}

describe('GET /api/v1/orders with hostile query strings', () => {
  it('answers a JSON array or 422 validation_failed, never anything else, and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(hostileQuery(['limit', 'cursor', 'customer_id'], cursorValues()), async (query) => {
        const response = await sendRaw(orderService.url, { path: `/api/v1/orders${query}` });
        if (response.status === 200) {
          const page = expectJsonArray(response);
          expect(page.length).toBeLessThanOrEqual(500);
        } else {
          expect(expectContractError(response, [422]).error).toBe('validation_failed');
        }
        await expectNothingWritten();
      }),
      { numRuns: 300 },
    );
  });

  it('answers repeated parameters such as ?limit=1&limit=2 with 422 validation_failed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('limit', 'cursor', 'customer_id'),
        fc.array(fc.constantFrom('1', '2', '50', issuedCursors[0] ?? 'x'), { minLength: 2, maxLength: 4 }),
        async (key, values) => {
          const query = values.map((value) => `${key}=${value}`).join('&');
          const response = await sendRaw(orderService.url, { path: `/api/v1/orders?${query}` });
          const error = expectContractError(response, [422]);
          expect(error.error).toBe('validation_failed');
          expect(error.details?.map((detail) => detail.field)).toEqual([key]);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('GET /api/v1/orders/{id} with hostile ids', () => {
  it('answers 404 not_found for every id that is not a stored order, and the order for one that is', async () => {
    await fc.assert(
      fc.asyncProperty(pathSegment, async (segment) => {
        const response = await sendRaw(orderService.url, { path: `/api/v1/orders/${segment}` });
        const decoded = decodeURIComponent(segment);
        if (/^[1-9]\d*$/.test(decoded) && orderIds.has(Number(decoded))) {
          expect(response.status, response.text).toBe(200);
        } else {
          expect(expectContractError(response, [404]).error).toBe('not_found');
        }
        await expectNothingWritten();
      }),
      { numRuns: 300 },
    );
  });

});

// Found by this suite: the router and Node's HTTP parser refuse these before
// any handler runs, and Fastify used to answer with its own bodies, e.g.
// {"error":"Bad Request","code":"FST_ERR_BAD_URL","message":"'/api/v1/orders/%' is not a valid url component","statusCode":400}
describe('malformed URLs on the Order Service', () => {
  it('answers an id with broken percent-encoding with the contract error body', async () => {
    await fc.assert(
      fc.asyncProperty(brokenPercentEncoding, async (segment) => {
        const response = await sendRaw(orderService.url, { path: `/api/v1/orders/${segment}` });
        expectContractError(response, [400, 404]);
      }),
      { numRuns: 30 },
    );
  });

  // Over routerOptions.maxParamLength (200): 414 {"error":"Bad Request","code":"FST_ERR_MAX_PARAM_LENGTH",…,"statusCode":414}
  it('answers an id longer than 200 characters with 404 not_found and the contract error body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: fc.constantFrom('1', '9', 'a', '%41'), minLength: 201, maxLength: 2_000 }), async (segment) => {
        const response = await sendRaw(orderService.url, { path: `/api/v1/orders/${segment}` });
        expect(expectContractError(response, [404]).error).toBe('not_found');
      }),
      { numRuns: 30 },
    );
  });

  // Node's HTTP parser refuses the request line: {"error":"Bad Request","message":"Client Error","statusCode":400}
  it('answers a request line with raw non-ASCII bytes with the contract error body', async () => {
    await fc.assert(
      fc.asyncProperty(nonAsciiUrlText, fc.constantFrom('/api/v1/orders/', '/api/v1/orders?limit=', '/api/v1/orders?cursor='), async (text, prefix) => {
        const response = await sendBytes(orderService.url, Buffer.from(`GET ${prefix}${text} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, 'latin1'));
        expectContractError(response, [400, 404, 422]);
      }),
      { numRuns: 20 },
    );
  });
});
