import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagingTopology } from '../../packages/contracts/src/index.js';
import type { RunningConsumer } from '../../services/customer-service/src/inbox/start-order-created-consumer.js';
import type { RunningOutboxWorker } from '../../services/order-service/src/outbox/start-outbox-worker.js';
import { eventually } from '@orders/test-support';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import { countState, insertCustomer, insertOrdersWithEvents, outboxState } from '../support/outbox-rows.js';
import { isolatedTopology, removeTopology, startTestConsumer, startTestWorker } from '../support/pipeline.js';
import { unique } from '../support/running-services.js';
import { TEST_RABBITMQ_URL } from '../support/test-environment.js';
import { openTestPool } from '../support/test-pool.js';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

let databases: IsolatedDatabases;
let topology: MessagingTopology;
let orderDb: pg.Pool;
let customerDb: pg.Pool;
let worker: RunningOutboxWorker;
let consumer: RunningConsumer;

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  topology = isolatedTopology();
  orderDb = openTestPool(databases.orderDatabaseUrl);
  customerDb = openTestPool(databases.customerDatabaseUrl);
  consumer = await startTestConsumer({ databaseUrl: databases.customerDatabaseUrl, topology });
  worker = await startTestWorker({ databaseUrl: databases.orderDatabaseUrl, topology });
});

afterAll(async () => {
  await worker.stop();
  await consumer.stop();
  await orderDb.end();
  await customerDb.end();
  await removeTopology(topology);
  await databases.drop();
});

async function reconcile(...args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, ['tools/dist/reconcile/reconcile-cli.js', '--settle-ms', '0', ...args], {
    cwd: repositoryRoot,
    env: {
      ...process.env,
      ORDER_DATABASE_URL: databases.orderDatabaseUrl,
      CUSTOMER_DATABASE_URL: databases.customerDatabaseUrl,
      RABBITMQ_URL: TEST_RABBITMQ_URL,
      RABBITMQ_TOPOLOGY_PREFIX: topology.exchange.slice(0, -'orders.v1'.length),
    },
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout };
}

describe('npm run reconcile', () => {
  it('finds a planted drift in orders_count and names the customer with both numbers', async () => {
    const customerId = await insertCustomer(customerDb, unique('Drifted'));
    const label = unique('Counted');
    await insertOrdersWithEvents(orderDb, customerId, 3, label);
    await eventually(() => countState(customerDb, customerId), (state) => state.ordersCount === 3, { what: 'three orders counted' });
    expect((await reconcile()).code).toBe(0);

    await customerDb.query('update customers set orders_count = orders_count + 2 where id = $1', [customerId]);
    try {
      const result = await reconcile();
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`customer ${customerId}: orders stored 3, orders_count 5, applied events 3\n`);
      expect(result.stdout).toMatch(/1 of \d+ customers do not match/);
    } finally {
      await customerDb.query('update customers set orders_count = orders_count - 2 where id = $1', [customerId]);
    }
  });

  it('repairs a planted missing event by re-publishing it with --repair', async () => {
    const customerId = await insertCustomer(customerDb, unique('Forgotten'));
    const label = unique('Lost');
    // An order whose event was marked published but never reached the broker.
    await insertOrdersWithEvents(orderDb, customerId, 1, label, true);
    expect((await outboxState(orderDb, label)).published).toBe(1);

    const found = await reconcile();
    expect(found.code).toBe(1);
    expect(found.stdout).toContain(`customer ${customerId}: orders stored 1, orders_count 0, applied events 0\n`);

    const repaired = await reconcile('--repair');
    expect(repaired.stdout).toMatch(new RegExp(`customer ${customerId}: re-published 1 event\\(s\\) \\(orders \\d+\\)`));
    await eventually(() => countState(customerDb, customerId), (state) => state.ordersCount === 1 && state.applied === 1, {
      what: 'the re-published event applied',
    });
    const after = await reconcile();
    expect(after.stdout).toMatch(/all \d+ customers match/);
    expect(after.code).toBe(0);
  });
});
