import { randomBytes } from 'node:crypto';
import { dropDatabases, withAdminClient } from '@orders/test-support';
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
  await withAdminClient(TEST_POSTGRES_URL, async (client) => {
    await client.query(`create database ${orderName} template ${templateName('order', runId)}`);
    await client.query(`create database ${customerName} template ${templateName('customer', runId)}`);
  });
  return {
    orderDatabaseUrl: databaseUrl(orderName),
    customerDatabaseUrl: databaseUrl(customerName),
    async drop() {
      await dropDatabases(TEST_POSTGRES_URL, [orderName, customerName]);
    },
  };
}
