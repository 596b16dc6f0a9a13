import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCustomer,
  createIsolatedDatabases,
  type IsolatedDatabases,
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
}

let databases: IsolatedDatabases;
let customerService: RunningCustomerService;
let orderService: RunningOrderService;

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  customerService = await startCustomerService({ databaseUrl: databases.customerDatabaseUrl });
  orderService = await startOrderService({ databaseUrl: databases.orderDatabaseUrl, customerServiceUrl: customerService.url });
});

afterAll(async () => {
  await orderService.close();
  await customerService.close();
  await databases.drop();
});

async function placeOrders(customerId: number, count: number): Promise<OrderJson[]> {
  const placed: OrderJson[] = [];
  for (let i = 0; i < count; i += 1) {
    const response = await request<OrderJson>(`${orderService.url}/api/v1/orders`, {
      body: { customer_id: customerId, product_name: unique('Item'), quantity: 1, price: 1 },
    });
    expect(response.status).toBe(201);
    placed.push(response.body);
  }
  return placed;
}

function nextLink(link: string | null): string | undefined {
  return link === null ? undefined : /^<([^>]+)>; rel="next"$/.exec(link)?.[1];
}

describe('GET /api/v1/orders/{id}', () => {
  it('returns the stored order', async () => {
    const customer = await createCustomer(customerService.url);
    const [order] = await placeOrders(customer.id, 1);
    const response = await request<OrderJson>(`${orderService.url}/api/v1/orders/${order?.id}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual(order);
  });

  it.each(['999999999', 'abc', '1.5', '-1', '0', '99999999999999999999'])('answers 404 not_found for id %s', async (id) => {
    const response = await request(`${orderService.url}/api/v1/orders/${id}`);
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ error: 'not_found' });
  });
});

describe('GET /api/v1/orders', () => {
  it('lists one customer’s orders newest first, page by page through the Link header', async () => {
    const customer = await createCustomer(customerService.url);
    const placed = await placeOrders(customer.id, 5);
    const newestFirst = placed.map((o) => o.id).reverse();

    const seen: number[] = [];
    let next: string | undefined = `/api/v1/orders?customer_id=${customer.id}&limit=2`;
    let pages = 0;
    while (next !== undefined) {
      const page: Awaited<ReturnType<typeof request<OrderJson[]>>> = await request<OrderJson[]>(`${orderService.url}${next}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.map((o) => o.id));
      next = nextLink(page.headers.get('link'));
      pages += 1;
    }
    expect(seen).toEqual(newestFirst);
    expect(pages).toBe(3);
  });

  it('lists every customer’s orders without a filter, newest first', async () => {
    const first = await createCustomer(customerService.url);
    const second = await createCustomer(customerService.url);
    const [a] = await placeOrders(first.id, 1);
    const [b] = await placeOrders(second.id, 1);
    const response = await request<OrderJson[]>(`${orderService.url}/api/v1/orders?limit=500`);
    const ids = response.body.map((o) => o.id);
    expect(ids.indexOf(b?.id ?? 0)).toBeLessThan(ids.indexOf(a?.id ?? 0));
    expect([...ids].sort((x, y) => y - x)).toEqual(ids);
  });

  it('has no Link header on the last page', async () => {
    const customer = await createCustomer(customerService.url);
    await placeOrders(customer.id, 2);
    const response = await request<OrderJson[]>(`${orderService.url}/api/v1/orders?customer_id=${customer.id}&limit=2`);
    expect(response.body).toHaveLength(2);
    expect(response.headers.get('link')).toBeNull();
  });

  it('returns an empty array for a customer without orders', async () => {
    const customer = await createCustomer(customerService.url);
    const response = await request(`${orderService.url}/api/v1/orders?customer_id=${customer.id}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual([]);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=ten', 'limit'],
    ['customer_id=abc', 'customer_id'],
    ['customer_id=0', 'customer_id'],
    ['cursor=not-a-cursor', 'cursor'],
  ])('answers 422 validation_failed for %s', async (query, field) => {
    const response = await request<{ details: { field: string }[] }>(`${orderService.url}/api/v1/orders?${query}`);
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ error: 'validation_failed' });
    expect(response.body.details.map((d) => d.field)).toEqual([field]);
  });
});
