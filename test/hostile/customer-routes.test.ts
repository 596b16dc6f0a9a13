import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import { startCustomerService, TEST_API_KEY, unique, type RunningCustomerService } from '../support/running-services.js';
import { openTestPool } from '../support/test-pool.js';
import { expectContractError, expectJsonArray } from './support/contract-assertions.js';
import {
  BODY_LIMIT_BYTES,
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
import { brokenPercentEncoding, hostileQuery, nonAsciiUrlText, pathSegment, percentEncode } from './support/hostile-urls.js';
import { closeRawAgent, sendBytes, sendRaw, type RawRequest } from './support/raw-http.js';
import { countRows } from './support/row-counts.js';

// Hostile input to every Customer Service route: bodies, API keys, path ids and
// query strings. Never a 5xx, always the contract's error body, and a customer
// row appears only for a 201.

const CUSTOMER_KEYS = ['name', 'address'] as const;

interface CustomerJson {
  id: number;
  name: string;
  address: string;
  orders_count: number;
}

let databases: IsolatedDatabases;
let customerService: RunningCustomerService;
let customerDb: pg.Pool;

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  customerService = await startCustomerService({ databaseUrl: databases.customerDatabaseUrl });
  customerDb = openTestPool(databases.customerDatabaseUrl);
});

afterAll(async () => {
  closeRawAgent();
  await customerService.close();
  await customerDb.end();
  await databases.drop();
});

async function customerCount(): Promise<number> {
  return (await countRows(customerDb, ['customers'])).customers ?? -1;
}

async function customerExists(id: number): Promise<boolean> {
  const { rows } = await customerDb.query<{ found: boolean }>('select exists (select 1 from customers where id = $1) as found', [id]);
  return rows[0]?.found === true;
}

/** `apiKey` null sends no X-Internal-Api-Key header at all. */
function call(init: RawRequest, apiKey: string | string[] | null = TEST_API_KEY) {
  const headers = { ...init.headers };
  if (apiKey !== null) headers['x-internal-api-key'] = apiKey;
  return sendRaw(customerService.url, { ...init, headers });
}

function postCustomer(body: string | Buffer, contentType = 'application/json') {
  return call({ method: 'POST', path: '/api/v1/customers', headers: { 'content-type': contentType }, body });
}

const LONE_SURROGATE = /[\ud800-\udfff]/u;

/** The contract's rule for name and address, written independently of the service's pattern. */
function isValidText(value: unknown): value is string {
  if (typeof value !== 'string' || value.includes('\u0000') || LONE_SURROGATE.test(value)) return false;
  const length = Array.from(value.trim()).length;
  return length >= 1 && length <= 255;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What the body means to a JSON reader (the last of duplicate keys wins), or undefined when it is not JSON. */
function parsedBody(body: string | Buffer): unknown {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  try {
    return JSON.parse(text.replace(/^\ufeff/, ''));
  } catch {
    return undefined;
  }
}

// --- bodies --------------------------------------------------------------------

/** A valid name or address text; the property makes names unique. */
const validText = fc
  .tuple(fc.constantFrom('', ' ', '\t'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), fc.constantFrom('', ' ', '\n'))
  .filter(([, core]) => isValidText(core) && core.trim() === core && !LONE_SURROGATE.test(core))
  .map(([lead, core, trail]) => `${lead}${core}${trail}`);

const hostileValue = fc.oneof(hostileNumberText, hostileText.map((text) => JSON.stringify(text)), hostileJsonText(CUSTOMER_KEYS));

interface HostileBody {
  body: string | Buffer;
  expected?: { status: number; error: string };
}

const hostileCustomerBody: fc.Arbitrary<HostileBody> = fc.oneof(
  fc.jsonValue().map((value) => ({ body: JSON.stringify(value) })),
  hostileJsonText(CUSTOMER_KEYS).map((body) => ({ body })),
  fc
    .array(fc.tuple(fc.constantFrom(...CUSTOMER_KEYS), hostileValue), { minLength: 1, maxLength: 5 })
    .map((entries) => ({ body: objectText(entries) })),
  fc
    .tuple(validText, validText, fc.constantFrom(...CUSTOMER_KEYS), hostileValue, fc.boolean())
    .map(([name, address, key, value, last]) => {
      const valid: Array<[string, string]> = [
        ['name', JSON.stringify(name)],
        ['address', JSON.stringify(address)],
      ];
      return { body: objectText(last ? [...valid, [key, value]] : [[key, value], ...valid]) };
    }),
  fc
    .tuple(validText, fc.constantFrom('__proto__', 'constructor'))
    .map(([name, key]) => ({ body: objectText([[key, objectText([['prototype', objectText([['name', JSON.stringify(name)]])]])]]) })),
  fc
    .tuple(fc.integer({ min: 500, max: 5_000 }), fc.constantFrom('array', 'object'), fc.constantFrom('whole', 'name'))
    .map(([depth, shape, where]) => {
      const deep = deeplyNestedText(depth, shape);
      return { body: where === 'whole' ? deep : objectText([['name', deep], ['address', '"x"']]) };
    }),
  malformedJsonText(CUSTOMER_KEYS).map((body) => ({ body, expected: { status: 400, error: 'invalid_json' } })),
  randomBytes.map((body) => ({ body })),
  oversizedBody.map((body) => ({ body, expected: { status: 413, error: 'payload_too_large' } })),
);

describe('POST /api/v1/customers under hostile input', () => {
  it('never answers a 5xx, answers errors with the contract body, and adds a row only with a 201', async () => {
    await fc.assert(
      fc.asyncProperty(hostileCustomerBody, async ({ body, expected }) => {
        const before = await customerCount();
        const response = await postCustomer(body);
        const meant = parsedBody(body);
        const looksValid = isJsonObject(meant) && isValidText(meant.name) && isValidText(meant.address);

        if (response.status === 201) {
          expect(looksValid, `201 only for a valid body: ${String(body)}`).toBe(true);
          expect(await customerCount()).toBe(before + 1);
          const created = JSON.parse(response.text) as CustomerJson;
          const sentName = isJsonObject(meant) ? String(meant.name) : '';
          if (!LONE_SURROGATE.test(sentName)) expect(created.name).toBe(sentName.trim());
          return;
        }
        const error = expectContractError(response);
        const tooLarge = Buffer.byteLength(body) > BODY_LIMIT_BYTES;
        if (tooLarge) expect({ status: response.status, error: error.error }).toEqual({ status: 413, error: 'payload_too_large' });
        else if (expected !== undefined) expect({ status: response.status, error: error.error }).toEqual(expected);
        const prototypeKey = /"(?:__proto__|constructor)"\s*:/.test(String(body));
        if (looksValid && !prototypeKey && !tooLarge) expect(error.error, 'a valid body is only refused when the name is taken').toBe('customer_name_taken');
        expect(await customerCount()).toBe(before);
      }),
      { numRuns: 300 },
    );
  });

  it('creates a customer for a valid body with odd surrounding space, and refuses the same name in another case with 409', async () => {
    await fc.assert(
      fc.asyncProperty(validText, validText, async (nameText, address) => {
        const suffix = unique('n');
        const name = `${nameText.trim()} ${suffix}`;
        const before = await customerCount();
        const created = await postCustomer(objectText([['name', JSON.stringify(` ${name}\t`)], ['address', JSON.stringify(address)]]));
        expect(created.status, created.text).toBe(201);
        expect(JSON.parse(created.text)).toMatchObject({ name, address: address.trim(), orders_count: 0 });
        const sameNameOtherCase = `${nameText.trim()} ${suffix.toUpperCase()}`;
        const again = await postCustomer(objectText([['name', JSON.stringify(sameNameOtherCase)], ['address', '"Elsewhere 1"']]));
        expect(expectContractError(again, [409]).error).toBe('customer_name_taken');
        expect(await customerCount()).toBe(before + 1);
      }),
      { numRuns: 50 },
    );
  });

  it('answers 415 unsupported_media_type for a body not declared as JSON, and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(oddContentType, validText, async (contentType, name) => {
        const before = await customerCount();
        const body = objectText([['name', JSON.stringify(`${name.trim()} ${unique('ct')}`)], ['address', '"1 Road"']]);
        const response = await postCustomer(body, contentType);
        if (mediaTypeOf(contentType) === 'application/json' && response.status === 201) {
          expect(await customerCount()).toBe(before + 1);
          return;
        }
        const error = expectContractError(response);
        if (mediaTypeOf(contentType) !== 'application/json') {
          expect({ status: response.status, error: error.error }).toEqual({ status: 415, error: 'unsupported_media_type' });
        }
        expect(await customerCount()).toBe(before);
      }),
      { numRuns: 150 },
    );
  });
});

describe('Customer Service routes with a missing, wrong or odd X-Internal-Api-Key', () => {
  /** Values that differ from the key as HTTP delivers it (surrounding spaces and tabs are not part of a header value). */
  const wrongKey: fc.Arbitrary<string | string[] | null> = fc
    .oneof(
      fc.constant(null),
      headerValue,
      fc.constantFrom(
        TEST_API_KEY.toUpperCase(),
        TEST_API_KEY.slice(0, -1),
        `${TEST_API_KEY}x`,
        `x${TEST_API_KEY}`,
        `${TEST_API_KEY}${TEST_API_KEY}`,
        TEST_API_KEY.replace('-', ' '),
        `Bearer ${TEST_API_KEY}`,
        `${TEST_API_KEY},`,
        `"${TEST_API_KEY}"`,
        `${TEST_API_KEY}\u00a0`,
        'dev-internal-key',
      ),
      fc.array(fc.oneof(fc.constant(TEST_API_KEY), headerValue), { minLength: 2, maxLength: 3 }),
    )
    .filter((key) => typeof key !== 'string' || key.replace(/^[ \t]+|[ \t]+$/g, '') !== TEST_API_KEY);

  const route = fc.oneof(
    pathSegment.map((segment): RawRequest => ({ path: `/customers/${segment}` })),
    pathSegment.map((segment): RawRequest => ({ path: `/api/v1/customers/${segment}` })),
    fc.constantFrom<RawRequest>({ path: '/customers/1' }, { path: '/api/v1/customers/1' }, { path: '/api/v1/customers' }),
    hostileQuery(['limit', 'cursor'], fc.constant('x')).map((query): RawRequest => ({ path: `/api/v1/customers${query}` })),
    fc.oneof(validText, hostileText).map(
      (name): RawRequest => ({
        method: 'POST',
        path: '/api/v1/customers',
        headers: { 'content-type': 'application/json' },
        body: objectText([['name', JSON.stringify(`${name}${unique(' k')}`)], ['address', '"1 Road"']]),
      }),
    ),
  );

  it('answers 401 unauthorized with the contract body on every customer route, and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(route, wrongKey, async (request, key) => {
        const before = await customerCount();
        const response = await call(request, key);
        expect(expectContractError(response, [401]).error).toBe('unauthorized');
        expect(await customerCount()).toBe(before);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Customer Service reads with hostile ids and query strings', () => {
  it('answers 404 not_found for every id that is not a stored customer, and the customer for one that is', async () => {
    await fc.assert(
      fc.asyncProperty(pathSegment, fc.constantFrom('/customers/', '/api/v1/customers/'), async (segment, prefix) => {
        const before = await customerCount();
        const response = await call({ path: `${prefix}${segment}` });
        const decoded = decodeURIComponent(segment);
        if (/^[1-9]\d{0,15}$/.test(decoded) && (await customerExists(Number(decoded)))) {
          expect(response.status, response.text).toBe(200);
          expect((JSON.parse(response.text) as CustomerJson).id).toBe(Number(decoded));
        } else {
          expect(expectContractError(response, [404]).error).toBe('not_found');
        }
        expect(await customerCount()).toBe(before);
      }),
      { numRuns: 300 },
    );
  });

  it('answers GET /api/v1/customers with a JSON array or 422 validation_failed for any query string', async () => {
    const cursors = fc.oneof(
      fc.constantFrom('djE6MQ', 'djE6NQ', 'djE6MA', 'djI6MQ', 'djE6LTE'),
      fc.string({ maxLength: 300 }).map((text) => percentEncode(Buffer.from(text, 'utf8').toString('base64url'))),
    );
    await fc.assert(
      fc.asyncProperty(hostileQuery(['limit', 'cursor'], cursors), async (query) => {
        const response = await call({ path: `/api/v1/customers${query}` });
        if (response.status === 200) expect(expectJsonArray(response).length).toBeLessThanOrEqual(500);
        else expect(expectContractError(response, [422]).error).toBe('validation_failed');
      }),
      { numRuns: 300 },
    );
  });
});

// Found by this suite: a lone surrogate used to be stored as U+FFFD.
describe('a lone surrogate in a customer name', () => {
  it('either refuses a name holding a lone surrogate with 422, or stores it exactly as sent', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0xd800, max: 0xdfff }), async (surrogate) => {
        const before = await customerCount();
        const name = `${unique('Surrogate')}${String.fromCharCode(surrogate)}x`;
        const response = await postCustomer(objectText([['name', JSON.stringify(name)], ['address', '"1 Road"']]));
        if (response.status === 201) {
          expect((JSON.parse(response.text) as CustomerJson).name, 'stored exactly as sent').toBe(name);
        } else {
          expect(expectContractError(response, [422]).error).toBe('validation_failed');
          expect(await customerCount()).toBe(before);
        }
      }),
      { numRuns: 20 },
    );
  });
});

// Found by this suite: these used to get Fastify's default bodies
// (FST_ERR_BAD_URL, FST_ERR_MAX_PARAM_LENGTH, the client error handler).
describe('malformed URLs and header bytes on the Customer Service', () => {
  it('answers a customer id with broken percent-encoding with the contract error body', async () => {
    await fc.assert(
      fc.asyncProperty(brokenPercentEncoding, fc.constantFrom('/customers/', '/api/v1/customers/'), async (segment, prefix) => {
        expectContractError(await call({ path: `${prefix}${segment}` }), [400, 401, 404]);
      }),
      { numRuns: 20 },
    );
  });

  it('answers a customer id longer than 200 characters with 404 not_found and the contract error body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: fc.constantFrom('1', 'a', '%41'), minLength: 201, maxLength: 1_000 }), async (segment) => {
        expect(expectContractError(await call({ path: `/api/v1/customers/${segment}` }), [404]).error).toBe('not_found');
      }),
      { numRuns: 20 },
    );
  });

  it('answers raw non-ASCII bytes in the URL, or a control character in X-Internal-Api-Key, with the contract error body', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          nonAsciiUrlText.map((text) => ({ path: `/api/v1/customers/${text}`, key: TEST_API_KEY })),
          forbiddenHeaderCharacter.map((bad) => ({ path: '/api/v1/customers/1', key: `${TEST_API_KEY}${bad}` })),
        ),
        async ({ path, key }) => {
          const head = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Internal-Api-Key: ${key}\r\n\r\n`;
          expectContractError(await sendBytes(customerService.url, Buffer.from(head, 'latin1')), [400, 401, 404]);
        },
      ),
      { numRuns: 20 },
    );
  });
});
