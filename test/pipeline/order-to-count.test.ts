import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagingTopology } from '../../packages/contracts/src/index.js';
import type { RunningConsumer } from '../../services/customer-service/src/inbox/start-order-created-consumer.js';
import type { RunningOutboxWorker } from '../../services/order-service/src/outbox/start-outbox-worker.js';
import { createCustomer, getCustomer } from '../support/customers.js';
import { eventually } from '@orders/test-support';
import { request } from '../support/http-client.js';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import { isolatedTopology, removeTopology, startTestConsumer, startTestWorker } from '../support/pipeline.js';
import {
  startCustomerService,
  startOrderService,
  unique,
  type RunningCustomerService,
  type RunningOrderService,
} from '../support/running-services.js';
import { openTestPool } from '../support/test-pool.js';

let databases: IsolatedDatabases;
let topology: MessagingTopology;
let customerService: RunningCustomerService;
let orderService: RunningOrderService;
let consumer: RunningConsumer;
let worker: RunningOutboxWorker;

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  topology = isolatedTopology();
  customerService = await startCustomerService({ databaseUrl: databases.customerDatabaseUrl });
  orderService = await startOrderService({ databaseUrl: databases.orderDatabaseUrl, customerServiceUrl: customerService.url });
  consumer = await startTestConsumer({ databaseUrl: databases.customerDatabaseUrl, topology });
  worker = await startTestWorker({ databaseUrl: databases.orderDatabaseUrl, topology });
});

afterAll(async () => {
  await worker.stop();
  await consumer.stop();
  await orderService.close();
  await customerService.close();
  await removeTopology(topology);
  await databases.drop();
});

describe('from an order to its customer’s count', () => {
  it('raises orders_count by one for each order posted over HTTP, through the real broker', async () => {
    const customer = await createCustomer(customerService.url);
    for (let i = 0; i < 3; i += 1) {
      const placed = await request(`${orderService.url}/api/v1/orders`, {
        body: { customer_id: customer.id, product_name: unique('Widget'), quantity: 1, price: 2 },
      });
      expect(placed.status).toBe(201);
    }
    const updated = await eventually(
      () => getCustomer(customerService.url, customer.id),
      (c) => c.orders_count === 3,
      { what: 'orders_count to reach 3' },
    );
    expect(updated.orders_count).toBe(3);

    const orderDb = openTestPool(databases.orderDatabaseUrl);
    const customerDb = openTestPool(databases.customerDatabaseUrl);
    try {
      const published = await orderDb.query<{ event_id: string }>(
        'select event_id from outbox_events where payload->>$1 = $2 and published_at is not null',
        ['customer_id', String(customer.id)],
      );
      const applied = await customerDb.query<{ event_id: string }>('select event_id from processed_order_events where customer_id = $1', [customer.id]);
      expect(published.rows.map((r) => r.event_id).sort()).toEqual(applied.rows.map((r) => r.event_id).sort());
    } finally {
      await orderDb.end();
      await customerDb.end();
    }
  });
});
