import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MessagingTopology } from '../../packages/contracts/src/index.js';
import { declareOrderCreatedTopology } from '../../services/customer-service/src/inbox/declare-topology.js';
import { consistently, eventually } from '@orders/test-support';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import { countState, insertCustomer, insertOrdersWithEvents, outboxState } from '../support/outbox-rows.js';
import { isolatedTopology, removeTopology, startTestConsumer, startTestWorker } from '../support/pipeline.js';
import { unique } from '../support/running-services.js';
import { startTcpFaultProxy } from '../support/tcp-fault-proxy.js';
import { TEST_RABBITMQ_URL } from '../support/test-environment.js';
import { openTestPool } from '../support/test-pool.js';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

let databases: IsolatedDatabases;
let orderDb: pg.Pool;
let customerDb: pg.Pool;
const topologies: MessagingTopology[] = [];

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  orderDb = openTestPool(databases.orderDatabaseUrl);
  customerDb = openTestPool(databases.customerDatabaseUrl);
});

afterAll(async () => {
  await orderDb.end();
  await customerDb.end();
  for (const topology of topologies) await removeTopology(topology);
  await databases.drop();
});

function newTopology(): MessagingTopology {
  const topology = isolatedTopology();
  topologies.push(topology);
  return topology;
}

/** Counts deliveries per message id on the topology's queue, acking each. */
async function countDeliveries(topology: MessagingTopology) {
  const connection = await amqp.connect(TEST_RABBITMQ_URL);
  const channel = await connection.createChannel();
  await declareOrderCreatedTopology(channel, topology);
  const seen = new Map<string, number>();
  await channel.prefetch(1000);
  await channel.consume(topology.queue, (message) => {
    if (message === null) return;
    const id = String(message.properties.messageId);
    seen.set(id, (seen.get(id) ?? 0) + 1);
    channel.ack(message);
  });
  return {
    seen,
    async close() {
      await connection.close();
    },
  };
}

async function eventIdsOf(label: string): Promise<string[]> {
  const { rows } = await orderDb.query<{ event_id: string }>(
    "select event_id from outbox_events where payload->>'product_name' like $1 || '-%' order by id",
    [label],
  );
  return rows.map((row) => row.event_id);
}

describe('the outbox worker', () => {
  it('keeps rows due while the broker is unreachable and publishes them once it is back', async () => {
    const topology = newTopology();
    const customerId = await insertCustomer(customerDb, unique('Patient'));
    const label = unique('Offline');
    const proxy = await startTcpFaultProxy('127.0.0.1', Number(new URL(TEST_RABBITMQ_URL).port || 5672));
    const consumer = await startTestConsumer({ databaseUrl: databases.customerDatabaseUrl, topology });
    const worker = await startTestWorker({ databaseUrl: databases.orderDatabaseUrl, topology, rabbitUrl: proxy.url(TEST_RABBITMQ_URL) });
    try {
      proxy.cut();
      await insertOrdersWithEvents(orderDb, customerId, 20, label);

      await consistently(
        () => outboxState(orderDb, label),
        (state) => state.total === 20 && state.published === 0 && state.dead === 0 && state.attempted === 0,
        { durationMs: 1_500, what: 'rows staying due, untouched, while the broker is away' },
      );

      proxy.restore();
      await eventually(() => outboxState(orderDb, label), (state) => state.published === 20, { timeoutMs: 20_000, what: 'all rows published' });
      await eventually(() => countState(customerDb, customerId), (state) => state.ordersCount === 20 && state.applied === 20, {
        what: 'all 20 applied',
      });
      expect((await outboxState(orderDb, label)).dead).toBe(0);
    } finally {
      await worker.stop();
      await consumer.stop();
      await proxy.close();
    }
  });

  it('publishes every row exactly once when two workers share one outbox', async () => {
    const topology = newTopology();
    const deliveries = await countDeliveries(topology);
    const label = unique('Shared');
    await insertOrdersWithEvents(orderDb, 1, 3_000, label);
    const first = await startTestWorker({ databaseUrl: databases.orderDatabaseUrl, topology, outbox: { batchSize: 50 } });
    const second = await startTestWorker({ databaseUrl: databases.orderDatabaseUrl, topology, outbox: { batchSize: 50 } });
    try {
      await eventually(() => outboxState(orderDb, label), (state) => state.published === 3_000, { timeoutMs: 30_000, what: 'all published' });
      const expected = await eventIdsOf(label);
      await eventually(async () => deliveries.seen.size, (size) => size === 3_000, { what: 'every message received' });
      expect([...deliveries.seen.keys()].sort()).toEqual([...expected].sort());
      expect([...deliveries.seen.values()].every((times) => times === 1)).toBe(true);
    } finally {
      await first.stop();
      await second.stop();
      await deliveries.close();
    }
  });

  it('loses nothing when a worker process is killed mid-batch', async () => {
    const topology = newTopology();
    const customerId = await insertCustomer(customerDb, unique('Survivor'));
    const label = unique('Killed');
    await insertOrdersWithEvents(orderDb, customerId, 20_000, label);
    const consumer = await startTestConsumer({ databaseUrl: databases.customerDatabaseUrl, topology, consumer: { prefetch: 1000, maxBatchSize: 250 } });
    const prefix = topology.exchange.slice(0, -'orders.v1'.length);
    const child = spawn(process.execPath, ['services/order-service/dist/outbox-worker.js'], {
      cwd: repositoryRoot,
      env: {
        ...process.env,
        DATABASE_URL: databases.orderDatabaseUrl,
        RABBITMQ_URL: TEST_RABBITMQ_URL,
        RABBITMQ_TOPOLOGY_PREFIX: prefix,
        METRICS_PORT: '0',
        LOG_LEVEL: 'warn',
        OUTBOX_BATCH_SIZE: '200',
      },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    let worker;
    try {
      const atKill = await eventually(() => outboxState(orderDb, label), (state) => state.published > 0, {
        timeoutMs: 20_000,
        intervalMs: 5,
        what: 'the worker publishing',
      });
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      expect(atKill.published).toBeLessThan(20_000);

      worker = await startTestWorker({ databaseUrl: databases.orderDatabaseUrl, topology, outbox: { batchSize: 500 } });
      await eventually(() => outboxState(orderDb, label), (state) => state.published === 20_000, {
        timeoutMs: 30_000,
        what: 'every row published after the kill',
      });
      await eventually(() => countState(customerDb, customerId), (state) => state.ordersCount === 20_000, {
        timeoutMs: 30_000,
        what: 'every order counted once',
      });
      expect(await countState(customerDb, customerId)).toEqual({ ordersCount: 20_000, applied: 20_000 });
      expect((await outboxState(orderDb, label)).dead).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await worker?.stop();
      await consumer.stop();
    }
  });

  it('never publishes a row whose payload is not an order.created v1 event; it spends its attempts and ends dead', async () => {
    const topology = newTopology();
    const customerId = await insertCustomer(customerDb, unique('Malformed'));
    const label = unique('Malformed');
    await insertOrdersWithEvents(orderDb, customerId, 2, label);
    // One of the two rows loses a field the contract requires, as a faulty writer might store it.
    await orderDb.query(
      `update outbox_events set payload = payload - 'quantity'
       where id = (select min(id) from outbox_events where payload->>'product_name' like $1 || '-%')`,
      [label],
    );
    const deliveries = await countDeliveries(topology);
    const worker = await startTestWorker({
      databaseUrl: databases.orderDatabaseUrl,
      topology,
      outbox: { maxAttempts: 2, backoffBaseMs: 20, backoffMaxMs: 50 },
    });
    try {
      await eventually(() => outboxState(orderDb, label), (state) => state.published === 1 && state.dead === 1, { what: 'one published, one dead' });
      const { rows } = await orderDb.query<{ last_error: string }>(
        "select last_error from outbox_events where dead_at is not null and payload->>'product_name' like $1 || '-%'",
        [label],
      );
      expect(rows[0]?.last_error).toMatch(/^payload is not an order\.created v1 event: invalid_event: .*quantity/);
      await eventually(async () => deliveries.seen.size, (size) => size === 1, { what: 'the valid row delivered' });
      await consistently(async () => deliveries.seen.size, (size) => size === 1, { durationMs: 300, what: 'only the valid row delivered' });
    } finally {
      await worker.stop();
      await deliveries.close();
      // The dead row would otherwise be retried by the `outbox retry --all` of another test.
      await orderDb.query("delete from outbox_events where payload->>'product_name' like $1 || '-%'", [label]);
    }
  });

  it('marks a row dead after its bounded attempts, and publishes it after `outbox retry`', async () => {
    const topology = newTopology();
    const customerId = await insertCustomer(customerDb, unique('Late'));
    const label = unique('Unroutable');
    // No queue is bound yet, so every publish comes back unroutable.
    const worker = await startTestWorker({
      databaseUrl: databases.orderDatabaseUrl,
      topology,
      outbox: { maxAttempts: 3, backoffBaseMs: 20, backoffMaxMs: 100 },
    });
    let consumer;
    try {
      await insertOrdersWithEvents(orderDb, customerId, 1, label);
      await eventually(() => outboxState(orderDb, label), (state) => state.dead === 1, { timeoutMs: 15_000, what: 'the row dead' });
      const { rows } = await orderDb.query<{ attempts: number; last_error: string; published_at: Date | null }>(
        "select attempts, last_error, published_at from outbox_events where payload->>'product_name' like $1 || '-%'",
        [label],
      );
      expect(rows[0]).toMatchObject({ attempts: 3, published_at: null });
      expect(rows[0]?.last_error).toContain('unroutable');

      consumer = await startTestConsumer({ databaseUrl: databases.customerDatabaseUrl, topology });
      const output = await runOutboxCommand(['retry', '--all']);
      expect(output.code).toBe(0);
      expect(output.stdout).toMatch(/^1 dead row\(s\) are due again/);

      await eventually(() => outboxState(orderDb, label), (state) => state.published === 1 && state.dead === 0, {
        what: 'the retried row published',
      });
      await eventually(() => countState(customerDb, customerId), (state) => state.ordersCount === 1, { what: 'the order counted' });
    } finally {
      await worker.stop();
      await consumer?.stop();
    }
  });
});

async function runOutboxCommand(args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, ['services/order-service/dist/outbox-cli.js', ...args], {
    cwd: repositoryRoot,
    env: { ...process.env, DATABASE_URL: databases.orderDatabaseUrl },
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout };
}
