import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagingTopology } from '../../packages/contracts/src/index.js';
import { eventually } from '@orders/test-support';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import { insertCustomer, insertOrdersWithEvents } from '../support/outbox-rows.js';
import { isolatedTopology, removeTopology, startTestConsumer, startTestWorker } from '../support/pipeline.js';
import { unique } from '../support/running-services.js';
import { openTestPool } from '../support/test-pool.js';

let databases: IsolatedDatabases;
let topology: MessagingTopology;
let orderDb: pg.Pool;
let customerDb: pg.Pool;

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  topology = isolatedTopology();
  orderDb = openTestPool(databases.orderDatabaseUrl);
  customerDb = openTestPool(databases.customerDatabaseUrl);
});

afterAll(async () => {
  await orderDb.end();
  await customerDb.end();
  await removeTopology(topology);
  await databases.drop();
});

async function outboxRowsOf(label: string): Promise<Array<{ name: string; published: boolean; dead: boolean }>> {
  const { rows } = await orderDb.query<{ name: string; published: boolean; dead: boolean }>(
    `select payload->>'product_name' as name, published_at is not null as published, dead_at is not null as dead
     from outbox_events where payload->>'product_name' like $1 || '-%' order by id`,
    [label],
  );
  return rows;
}

describe('retention', () => {
  it('deletes published outbox rows and idempotency keys past their age, and keeps the rest', async () => {
    const label = unique('Aged');
    await insertOrdersWithEvents(orderDb, 1, 3, label);
    // Row 1: published 8 days ago (expired). Row 2: published yesterday. Row 3: dead 8 days ago (kept for operators).
    await orderDb.query(
      `update outbox_events o set published_at = case when o.payload->>'product_name' = $1 || '-1' then now() - interval '8 days' else now() - interval '1 day' end
       where o.payload->>'product_name' in ($1 || '-1', $1 || '-2')`,
      [label],
    );
    await orderDb.query(`update outbox_events set dead_at = now() - interval '8 days', created_at = now() - interval '9 days' where payload->>'product_name' = $1 || '-3'`, [
      label,
    ]);
    const oldKey = unique('old-key');
    const freshKey = unique('fresh-key');
    await orderDb.query(
      `insert into idempotency_keys (key, request_fingerprint, order_id, created_at)
       select $1, 'x', min(id), now() - interval '25 hours' from orders union all select $2, 'y', min(id), now() from orders`,
      [oldKey, freshKey],
    );

    const worker = await startTestWorker({ databaseUrl: databases.orderDatabaseUrl, topology, outbox: { retentionIntervalMs: 1_000 } });
    try {
      const remaining = await eventually(() => outboxRowsOf(label), (rows) => rows.length === 2, { what: 'the expired row deleted' });
      expect(remaining).toEqual([
        { name: `${label}-2`, published: true, dead: false },
        { name: `${label}-3`, published: false, dead: true },
      ]);
      const keys = await eventually(
        async () => (await orderDb.query<{ key: string }>('select key from idempotency_keys where key = any($1)', [[oldKey, freshKey]])).rows,
        (rows) => rows.length === 1,
        { what: 'the expired idempotency key deleted' },
      );
      expect(keys.map((row) => row.key)).toEqual([freshKey]);
    } finally {
      await worker.stop();
    }
  });

  it('deletes applied events from the inbox past their age, and keeps recent ones', async () => {
    const customerId = await insertCustomer(customerDb, unique('Archived'));
    const [oldEvent, recentEvent] = [randomUUID(), randomUUID()];
    await customerDb.query(
      `insert into processed_order_events (event_id, order_id, customer_id, occurred_at, processed_at)
       values ($1, 1, $3, now() - interval '9 days', now() - interval '8 days'), ($2, 2, $3, now(), now())`,
      [oldEvent, recentEvent, customerId],
    );
    const consumer = await startTestConsumer({ databaseUrl: databases.customerDatabaseUrl, topology, consumer: { retentionIntervalMs: 1_000 } });
    try {
      const left = await eventually(
        async () => (await customerDb.query<{ event_id: string }>('select event_id from processed_order_events where customer_id = $1', [customerId])).rows,
        (rows) => rows.length === 1,
        { what: 'the expired inbox row deleted' },
      );
      expect(left.map((row) => row.event_id)).toEqual([recentEvent]);
    } finally {
      await consumer.stop();
    }
  });
});
