import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_STATUSES, parseOrderCreated, type MessagingTopology, type OrderCreatedV1 } from '@orders/contracts';
import { eventually } from '@orders/test-support';
import {
  createIsolatedDatabases,
  type IsolatedDatabases,
  isolatedTopology,
  openTestPool,
  removeTopology,
  startTestWorker,
  TEST_RABBITMQ_URL,
  testLogger,
  unique,
} from '@orders/test-harness';
import { openOrderDatabase, type OrderDb } from '../src/db/database.js';
import type { NewOrder } from '../src/orders/new-order.js';
import { createOrdersRepository } from '../src/orders/orders.repository.js';

// The event is built in SQL by the order's own statement, from the contract's
// field list. Whatever the order holds, what the outbox stores and what the
// relay publishes must be a valid order.created v1 by the contract's schema,
// the one the consumer validates with.

let databases: IsolatedDatabases;
let database: OrderDb;
let orderDb: pg.Pool;
let topology: MessagingTopology;

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  database = openOrderDatabase(databases.orderDatabaseUrl, 2, 'test-order-created-payload', testLogger);
  orderDb = openTestPool(databases.orderDatabaseUrl);
  topology = isolatedTopology();
});

afterAll(async () => {
  await database.db.destroy();
  await orderDb.end();
  await removeTopology(topology);
  await databases.drop();
});

const label = unique('Edge');
const EDGE_ORDERS: NewOrder[] = [
  ...ORDER_STATUSES.map((status) => ({ customerId: 1, productName: `${label} ${status}`, quantity: 1, price: '9.99', status })),
  { customerId: 2, productName: `${label} free`, quantity: 1, price: '0.00', status: 'pending' },
  { customerId: 3, productName: `${label} dearest`, quantity: 1_000_000, price: '99999999.99', status: 'completed' },
  { customerId: Number.MAX_SAFE_INTEGER, productName: `${label} `.padEnd(255, 'n'), quantity: 7, price: '0.01', status: 'processing' },
  { customerId: 4, productName: `${label} Crème brûlée 寿司 🍣 «ß»`, quantity: 2, price: '12.50', status: 'cancelled' },
];

function expectValidEvents(bodies: Buffer[], orderIds: number[]): OrderCreatedV1[] {
  const events = bodies.map((body) => {
    const parsed = parseOrderCreated(body);
    if (!parsed.ok) throw new Error(`not a valid order.created: ${parsed.reason} in ${body.toString()}`);
    return parsed.event;
  });
  expect(events.map((event) => event.order_id).sort((a, b) => a - b)).toEqual([...orderIds].sort((a, b) => a - b));
  return events;
}

describe('order.created as the order write builds it', () => {
  it('is stored, and published, valid by the contract schema for every status and edge value', async () => {
    const outcomes = await createOrdersRepository(database).insertOrdersWithEvents(
      EDGE_ORDERS.map((order) => ({ order, eventId: randomUUID(), traceparent: undefined, idempotency: undefined })),
    );
    const orderIds = outcomes.map((outcome) => (outcome.status === 'written' ? outcome.row.id : -1));
    expect(orderIds).not.toContain(-1);

    const stored = await orderDb.query<{ payload: unknown }>('select payload from outbox_events where aggregate_id = any($1)', [orderIds]);
    const storedEvents = expectValidEvents(stored.rows.map((row) => Buffer.from(JSON.stringify(row.payload))), orderIds);
    expect(storedEvents.map((event) => [event.product_name, event.price, event.quantity, event.status, event.customer_id]).sort()).toEqual(
      EDGE_ORDERS.map((order) => [order.productName, Number(order.price), order.quantity, order.status, order.customerId]).sort(),
    );

    // A queue of the test's own on the exchange: it sees exactly what the relay publishes.
    const connection = await amqp.connect(TEST_RABBITMQ_URL);
    const channel = await connection.createChannel();
    await channel.assertExchange(topology.exchange, 'topic', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, topology.exchange, topology.routingKey);
    const worker = await startTestWorker({ databaseUrl: databases.orderDatabaseUrl, topology });
    try {
      const published: Buffer[] = [];
      await eventually(
        async () => {
          for (;;) {
            const message = await channel.get(queue, { noAck: true });
            if (message === false) return published.length;
            published.push(message.content);
          }
        },
        (count) => count >= EDGE_ORDERS.length,
        { what: 'the edge orders to be published' },
      );
      expect(expectValidEvents(published, orderIds)).toEqual(expect.arrayContaining(storedEvents));
    } finally {
      await worker.stop();
      await connection.close();
    }
  });
});
