import { createServer, type AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCustomer,
  createIsolatedDatabases,
  type IsolatedDatabases,
  openTestPool,
  request,
  type RunningCustomerService,
  startCustomerService,
  startOrderService,
  unique,
} from '@orders/test-harness';

// The customer check against the real Customer Service app: found, not found,
// refused, unreachable, too slow, and the circuit breaker.

let databases: IsolatedDatabases;
let customerService: RunningCustomerService;
let orderDb: pg.Pool;

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  customerService = await startCustomerService({ databaseUrl: databases.customerDatabaseUrl });
  orderDb = openTestPool(databases.orderDatabaseUrl);
});

afterAll(async () => {
  await customerService.close();
  await orderDb.end();
  await databases.drop();
});

async function ordersNamed(productName: string): Promise<number> {
  const { rows } = await orderDb.query<{ n: number }>('select count(*)::int as n from orders where product_name = $1', [productName]);
  return rows[0]?.n ?? -1;
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('the customer check', () => {
  it('places the order when Customer Service knows the customer', async () => {
    const orderService = await startOrderService({ databaseUrl: databases.orderDatabaseUrl, customerServiceUrl: customerService.url });
    try {
      const customer = await createCustomer(customerService.url);
      const response = await request(`${orderService.url}/api/v1/orders`, {
        body: { customer_id: customer.id, product_name: unique('Known'), quantity: 1, price: 1 },
      });
      expect(response.status).toBe(201);
    } finally {
      await orderService.close();
    }
  });

  it('answers 503 with Retry-After and writes nothing when the API key is refused', async () => {
    const orderService = await startOrderService({
      databaseUrl: databases.orderDatabaseUrl,
      customerServiceUrl: customerService.url,
      apiKey: 'not-the-key',
    });
    try {
      const customer = await createCustomer(customerService.url);
      const productName = unique('WrongKey');
      const response = await request(`${orderService.url}/api/v1/orders`, {
        body: { customer_id: customer.id, product_name: productName, quantity: 1, price: 1 },
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(response.body).toMatchObject({ error: 'customer_service_unavailable' });
      expect(await ordersNamed(productName)).toBe(0);
    } finally {
      await orderService.close();
    }
  });

  it('answers 503 with Retry-After and writes nothing when Customer Service is unreachable', async () => {
    const orderService = await startOrderService({ databaseUrl: databases.orderDatabaseUrl, customerServiceUrl: await closedPortUrl() });
    try {
      const productName = unique('Unreachable');
      const response = await request(`${orderService.url}/api/v1/orders`, {
        body: { customer_id: 1, product_name: productName, quantity: 1, price: 1 },
      });
      expect(response.status).toBe(503);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(response.body).toEqual({
        error: 'customer_service_unavailable',
        message: 'the customer could not be checked right now; nothing was stored, retry later',
      });
      expect(await ordersNamed(productName)).toBe(0);
    } finally {
      await orderService.close();
    }
  });

  it('answers 503 within its timeout when Customer Service is too slow, and writes nothing', async () => {
    const orderService = await startOrderService({
      databaseUrl: databases.orderDatabaseUrl,
      customerServiceUrl: customerService.url,
      customerCheck: { timeoutMs: 200, retries: 1 },
    });
    const customer = await createCustomer(customerService.url);
    // Customer Service really is slow: its customers table is locked, so its lookup waits.
    const locker = new pg.Client({ connectionString: databases.customerDatabaseUrl });
    locker.on('error', () => undefined);
    await locker.connect();
    await locker.query('begin');
    await locker.query('lock table customers in access exclusive mode');
    try {
      const productName = unique('Slow');
      const started = Date.now();
      const response = await request(`${orderService.url}/api/v1/orders`, {
        body: { customer_id: customer.id, product_name: productName, quantity: 1, price: 1 },
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await ordersNamed(productName)).toBe(0);
    } finally {
      await locker.query('rollback');
      await locker.end();
      await orderService.close();
    }
  });

  it('opens the circuit after repeated failures and then answers at once with the cooldown as Retry-After', async () => {
    const orderService = await startOrderService({
      databaseUrl: databases.orderDatabaseUrl,
      customerServiceUrl: await closedPortUrl(),
      customerCheck: { retries: 0, breakerThreshold: 3, breakerCooldownMs: 30_000 },
    });
    try {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        await request(`${orderService.url}/api/v1/orders`, { body: { customer_id: 1, product_name: 'x', quantity: 1, price: 1 } });
      }
      const response = await request(`${orderService.url}/api/v1/orders`, {
        body: { customer_id: 1, product_name: 'x', quantity: 1, price: 1 },
      });
      expect(response.status).toBe(503);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(20);
    } finally {
      await orderService.close();
    }
  });
});
