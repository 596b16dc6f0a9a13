import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { databaseUrl, TEST_DATABASE_PREFIX, TEST_POSTGRES_URL, templateName } from './test-environment.js';

export interface IsolatedDatabases {
  orderDatabaseUrl: string;
  customerDatabaseUrl: string;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated pair of databases for one test file, cloned from the
 * run's templates (the customer one holds the ten seeded customers).
 */
export async function createIsolatedDatabases(): Promise<IsolatedDatabases> {
  const runId = inject('testRunId');
  const suffix = randomBytes(4).toString('hex');
  const orderName = `${TEST_DATABASE_PREFIX}${runId}_order_${suffix}`;
  const customerName = `${TEST_DATABASE_PREFIX}${runId}_customer_${suffix}`;
  await withAdminClient(async (client) => {
    await client.query(`create database ${orderName} template ${templateName('order', runId)}`);
    await client.query(`create database ${customerName} template ${templateName('customer', runId)}`);
  });
  return {
    orderDatabaseUrl: databaseUrl(orderName),
    customerDatabaseUrl: databaseUrl(customerName),
    async drop() {
      await withAdminClient(async (client) => {
        await client.query(`drop database if exists ${orderName} with (force)`);
        await client.query(`drop database if exists ${customerName} with (force)`);
      });
    },
  };
}

async function withAdminClient(work: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
