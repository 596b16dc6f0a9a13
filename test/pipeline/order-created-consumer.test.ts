import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeOrderCreated, type MessagingTopology, type OrderCreatedV1 } from '../../packages/contracts/src/index.js';
import { consistently, eventually } from '@orders/test-support';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import { countState, insertCustomer } from '../support/outbox-rows.js';
import { isolatedTopology, publishRaw, queueDepth, removeTopology, startTestConsumer, takeDeadLetters } from '../support/pipeline.js';
import { unique } from '../support/running-services.js';
import { startTcpFaultProxy } from '../support/tcp-fault-proxy.js';
import { TEST_RABBITMQ_URL } from '../support/test-environment.js';
import { openTestPool } from '../support/test-pool.js';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

let databases: IsolatedDatabases;
let customerDb: pg.Pool;
const topologies: MessagingTopology[] = [];

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  customerDb = openTestPool(databases.customerDatabaseUrl);
});

afterAll(async () => {
  await customerDb.end();
  for (const topology of topologies) await removeTopology(topology);
  await databases.drop();
});

function newTopology(): MessagingTopology {
  const topology = isolatedTopology();
  topologies.push(topology);
  return topology;
}

let nextOrderId = 1_000_000;
function orderCreated(customerId: number, overrides: Partial<OrderCreatedV1> = {}): OrderCreatedV1 {
  nextOrderId += 1;
  return {
    event_id: randomUUID(),
    occurred_at: new Date().toISOString(),
    order_id: nextOrderId,
    customer_id: customerId,
    product_name: 'Widget',
    quantity: 1,
    price: 9.99,
    status: 'pending',
    ...overrides,
  };
}

const asMessage = (event: OrderCreatedV1) => ({ body: serializeOrderCreated(event), options: { messageId: event.event_id } });

describe('the order.created consumer', () => {
  it('counts an event once when it is delivered twice', async () => {
    const topology = newTopology();
    const consumer = await startTestConsumer({ databaseUrl: databases.customerDatabaseUrl, topology, consumer: { maxBatchesInFlight: 1 } });
    try {
      const customerId = await insertCustomer(customerDb, unique('Twice'));
      const markerCustomerId = await insertCustomer(customerDb, unique('Marker'));
      const event = orderCreated(customerId);
      await publishRaw(topology, [asMessage(event)]);
      await publishRaw(topology, [asMessage(event)]);
      // With one batch at a time, the marker is applied only after both copies were handled.
      await publishRaw(topology, [asMessage(orderCreated(markerCustomerId))]);
      await eventually(() => countState(customerDb, markerCustomerId), (state) => state.ordersCount === 1, { what: 'the marker applied' });
      expect(await countState(customerDb, customerId)).toEqual({ ordersCount: 1, applied: 1 });
    } finally {
      await consumer.stop();
    }
  });

  it('counts each event once when many copies reach two consumers at the same moment', async () => {
    const topology = newTopology();
    const first = await startTestConsumer({ databaseUrl: databases.customerDatabaseUrl, topology, consumer: { prefetch: 20, maxBatchSize: 10 } });
    const second = await startTestConsumer({ databaseUrl: databases.customerDatabaseUrl, topology, consumer: { prefetch: 20, maxBatchSize: 10 } });
    try {
      const customerId = await insertCustomer(customerDb, unique('Contended'));
      const events = Array.from({ length: 40 }, () => orderCreated(customerId));
      const copies = events.flatMap((event) => Array.from({ length: 10 }, () => asMessage(event)));
      await publishRaw(topology, copies);
      await eventually(() => queueDepth(topology.queue), (depth) => depth === 0, { what: 'the queue drained' });
      await eventually(() => countState(customerDb, customerId), (state) => state.ordersCount === 40, { what: '40 counted' });
      await consistently(() => countState(customerDb, customerId), (state) => state.ordersCount === 40 && state.applied === 40, {
        durationMs: 500,
        what: 'the count staying at 40',
      });
    } finally {
      await first.stop();
      await second.stop();
    }
  });

  it('dead-letters poison messages with a reason and keeps applying the good ones', async () => {
    const topology = newTopology();
    const consumer = await startTestConsumer({ databaseUrl: databases.customerDatabaseUrl, topology });
    try {
      const customerId = await insertCustomer(customerDb, unique('Healthy'));
      const notJson = { body: '{"event_id": nope', options: { messageId: 'not-json' } };
      const wrongShape = { body: JSON.stringify({ ...orderCreated(customerId), quantity: 'two' }), options: { messageId: 'wrong-shape' } };
      const unknownCustomer = asMessage(orderCreated(987_654_321));
      await publishRaw(topology, [notJson, wrongShape, unknownCustomer, asMessage(orderCreated(customerId))]);

      const letters = await takeDeadLetters(topology, 3);
      const reasons = Object.fromEntries(
        letters.map((letter) => [String(letter.properties.messageId), String((letter.properties.headers ?? {})['x-dead-letter-reason'])]),
      );
      expect(reasons['not-json']).toBe('invalid_json: body is not JSON');
      expect(reasons['wrong-shape']).toMatch(/^invalid_event: \/quantity must be integer/);
      expect(reasons[unknownCustomer.options.messageId]).toBe('unknown_customer: customer 987654321 does not exist');
      expect(letters.find((letter) => letter.properties.messageId === 'wrong-shape')?.content.toString()).toContain('"quantity":"two"');

      await eventually(() => countState(customerDb, customerId), (state) => state.ordersCount === 1, { what: 'the good event applied' });
      await eventually(() => queueDepth(topology.queue), (depth) => depth === 0, { what: 'nothing left looping' });
    } finally {
      await consumer.stop();
    }
  });

  it('retries while its database is unreachable and applies the event once it is back', async () => {
    const topology = newTopology();
    const target = new URL(databases.customerDatabaseUrl);
    const proxy = await startTcpFaultProxy(target.hostname, Number(target.port || 5432));
    const consumer = await startTestConsumer({
      databaseUrl: proxy.url(databases.customerDatabaseUrl),
      topology,
      consumer: { maxAttempts: 50, retryBaseMs: 50, retryMaxMs: 200 },
    });
    try {
      const customerId = await insertCustomer(customerDb, unique('Waiting'));
      proxy.cut();
      await publishRaw(topology, [asMessage(orderCreated(customerId))]);
      await consistently(() => countState(customerDb, customerId), (state) => state.ordersCount === 0, {
        durationMs: 800,
        what: 'nothing applied while the database is away',
      });
      proxy.restore();
      await eventually(() => countState(customerDb, customerId), (state) => state.ordersCount === 1 && state.applied === 1, {
        timeoutMs: 15_000,
        what: 'the event applied after the database returned',
      });
      expect(await queueDepth(topology.deadLetterQueue)).toBe(0);
    } finally {
      await consumer.stop();
      await proxy.close();
    }
  });

  it('dead-letters an event whose retries run out, and `dlq replay` applies it later', async () => {
    const topology = newTopology();
    const target = new URL(databases.customerDatabaseUrl);
    const proxy = await startTcpFaultProxy(target.hostname, Number(target.port || 5432));
    const consumer = await startTestConsumer({
      databaseUrl: proxy.url(databases.customerDatabaseUrl),
      topology,
      consumer: { maxAttempts: 3, retryBaseMs: 20, retryMaxMs: 50 },
    });
    try {
      const customerId = await insertCustomer(customerDb, unique('Exhausted'));
      proxy.cut();
      const event = orderCreated(customerId);
      await publishRaw(topology, [asMessage(event)]);
      await eventually(() => queueDepth(topology.deadLetterQueue), (depth) => depth === 1, { timeoutMs: 15_000, what: 'the event dead-lettered' });
      proxy.restore();

      const listed = await runDlqCommand(topology, ['list']);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain(event.event_id);
      expect(listed.stdout).toMatch(/retries_exhausted: 3 attempts/);
      expect(await queueDepth(topology.deadLetterQueue)).toBe(1);

      const replayed = await runDlqCommand(topology, ['replay']);
      expect(replayed.stdout).toContain('1 dead letter(s) published');
      await eventually(() => countState(customerDb, customerId), (state) => state.ordersCount === 1 && state.applied === 1, {
        timeoutMs: 15_000,
        what: 'the replayed event applied',
      });
      expect(await queueDepth(topology.deadLetterQueue)).toBe(0);
    } finally {
      await consumer.stop();
      await proxy.close();
    }
  });

  it('empties the dead-letter queue with `dlq purge`', async () => {
    const topology = newTopology();
    const consumer = await startTestConsumer({ databaseUrl: databases.customerDatabaseUrl, topology });
    try {
      await publishRaw(topology, [{ body: 'junk-1' }, { body: 'junk-2' }]);
      await eventually(() => queueDepth(topology.deadLetterQueue), (depth) => depth === 2, { what: 'two dead letters' });
      const purged = await runDlqCommand(topology, ['purge']);
      expect(purged.stdout).toContain('2 dead letter(s) deleted');
      expect(await queueDepth(topology.deadLetterQueue)).toBe(0);
    } finally {
      await consumer.stop();
    }
  });
});

async function runDlqCommand(topology: MessagingTopology, args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, ['services/customer-service/dist/dlq-cli.js', ...args], {
    cwd: repositoryRoot,
    env: {
      ...process.env,
      RABBITMQ_URL: TEST_RABBITMQ_URL,
      RABBITMQ_TOPOLOGY_PREFIX: topology.exchange.slice(0, -'orders.v1'.length),
      DATABASE_URL: databases.customerDatabaseUrl,
    },
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout };
}
