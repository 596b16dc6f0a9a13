import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createIsolatedDatabases,
  type IsolatedDatabases,
  request,
  type RunningCustomerService,
  startCustomerService,
  TEST_API_KEY,
  unique,
} from '@orders/test-harness';
import { SEED_CUSTOMERS } from '../src/db/seed-customers.js';

interface CustomerJson {
  id: number;
  name: string;
  address: string;
  orders_count: number;
  created_at: string;
  updated_at: string;
}

let databases: IsolatedDatabases;
let service: RunningCustomerService;
const auth = { 'x-internal-api-key': TEST_API_KEY };

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  service = await startCustomerService({ databaseUrl: databases.customerDatabaseUrl });
});

afterAll(async () => {
  await service.close();
  await databases.drop();
});

const create = (body: unknown, headers: Record<string, string> = auth) =>
  request<CustomerJson>(`${service.url}/api/v1/customers`, { body, headers });

describe('the internal API key', () => {
  it.each([
    ['GET', '/customers/1'],
    ['GET', '/api/v1/customers/1'],
    ['GET', '/api/v1/customers'],
    ['POST', '/api/v1/customers'],
  ])('is required on %s %s', async (method, path) => {
    const refused: Record<string, string>[] = [{}, { 'x-internal-api-key': 'wrong' }, { 'x-internal-api-key': `${TEST_API_KEY}x` }];
    for (const headers of refused) {
      const response = await request(`${service.url}${path}`, {
        method,
        headers,
        ...(method === 'POST' ? { body: { name: unique('Nope'), address: 'x' } } : {}),
      });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ error: 'unauthorized', message: 'a valid X-Internal-Api-Key header is required' });
    }
  });

  it('is not required for health, docs and metrics', async () => {
    for (const path of ['/up', '/health/live', '/health/ready', '/openapi.json', '/metrics']) {
      expect((await request(`${service.url}${path}`)).status).toBe(200);
    }
  });
});

describe('GET /customers/{id} and /api/v1/customers/{id}', () => {
  it('returns a seeded customer on both paths', async () => {
    const legacy = await request<CustomerJson>(`${service.url}/customers/1`, { headers: auth });
    const versioned = await request<CustomerJson>(`${service.url}/api/v1/customers/1`, { headers: auth });
    expect(legacy.status).toBe(200);
    expect(versioned.body).toEqual(legacy.body);
    expect(legacy.body).toMatchObject({ id: 1, name: 'Alice Johnson', address: '100 Oak Avenue, Springfield' });
    expect(legacy.body.created_at).toMatch(/Z$/);
  });

  it.each(['999999999', 'abc', '0', '99999999999999999999'])('answers 404 not_found for id %s', async (id) => {
    const response = await request(`${service.url}/api/v1/customers/${id}`, { headers: auth });
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ error: 'not_found' });
  });
});

describe('GET /api/v1/customers', () => {
  it('lists the seeded customers by id, page by page through the Link header', async () => {
    const ids: number[] = [];
    const names: string[] = [];
    let next: string | undefined = '/api/v1/customers?limit=4';
    while (next !== undefined) {
      const page: Awaited<ReturnType<typeof request<CustomerJson[]>>> = await request<CustomerJson[]>(`${service.url}${next}`, { headers: auth });
      expect(page.status).toBe(200);
      ids.push(...page.body.map((c) => c.id));
      names.push(...page.body.map((c) => c.name));
      const link = page.headers.get('link');
      next = link === null ? undefined : /^<([^>]+)>; rel="next"$/.exec(link)?.[1];
    }
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(names.slice(0, 10)).toEqual(SEED_CUSTOMERS.map((c) => c.name));
  });

  it('answers 422 for an invalid limit', async () => {
    const response = await request(`${service.url}/api/v1/customers?limit=1000`, { headers: auth });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ error: 'validation_failed', details: [{ field: 'limit' }] });
  });
});

describe('POST /api/v1/customers', () => {
  it('registers a customer with 201, Location and a zero orders_count', async () => {
    const name = unique('Zoe');
    const response = await create({ name: ` ${name} `, address: ' 1 Lane, Town ' });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ name, address: '1 Lane, Town', orders_count: 0 });
    expect(response.headers.get('location')).toBe(`/api/v1/customers/${response.body.id}`);
    const read = await request(`${service.url}${response.headers.get('location') ?? ''}`, { headers: auth });
    expect(read.body).toEqual(response.body);
  });

  it('answers 409 customer_name_taken for a name already taken, ignoring case', async () => {
    const name = unique('Yann');
    expect((await create({ name, address: 'a' })).status).toBe(201);
    const again = await create({ name: name.toUpperCase(), address: 'b' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'customer_name_taken' });
  });

  it('registers exactly one of several concurrent requests for one name', async () => {
    const name = unique('Race');
    const responses = await Promise.all(Array.from({ length: 5 }, () => create({ name, address: 'a' })));
    expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
  });

  it('answers 422 with a detail for each missing or blank field', async () => {
    const response = await create({ name: '   ' });
    expect(response.status).toBe(422);
    expect(response.body).toEqual({
      error: 'validation_failed',
      message: 'the request is not valid',
      details: [
        { field: 'address', message: 'is required' },
        { field: 'name', message: 'must be a string of 1 to 255 characters after trimming' },
      ],
    });
  });
});
