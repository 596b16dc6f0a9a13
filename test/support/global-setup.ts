import { databasesNamed, dropDatabases, processIsAlive } from '@orders/test-support';
import { pino } from 'pino';
import type { TestProject } from 'vitest/node';
import { setupDatabase } from '../../packages/service-kit/src/index.js';
import { migrations as orderMigrations } from '../../services/order-service/src/db/migrations/index.js';
import { migrations as customerMigrations } from '../../services/customer-service/src/db/migrations/index.js';
import { seedCustomers } from '../../services/customer-service/src/db/seed-customers.js';
import type { CustomerDatabase } from '../../services/customer-service/src/db/schema.js';
import { databaseUrl, TEST_DATABASE_PREFIX, TEST_POSTGRES_URL, templateName } from './test-environment.js';

declare module 'vitest' {
  export interface ProvidedContext {
    testRunId: string;
  }
}

/**
 * Builds this run's template databases once (migrated, and seeded for
 * customers); every test file clones its own pair from them, so files run in
 * parallel without sharing rows. Drops what the run made when it ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = `${process.pid}`;
  project.provide('testRunId', runId);
  await dropRunDatabases((name) => !processIsAlive(Number(/^orders_test_(\d+)_/.exec(name)?.[1])));

  const logger = pino({ level: 'warn' });
  await setupDatabase({ url: databaseUrl(templateName('order', runId)), migrations: orderMigrations, logger });
  await setupDatabase<CustomerDatabase>({
    url: databaseUrl(templateName('customer', runId)),
    migrations: customerMigrations,
    logger,
    seed: seedCustomers,
  });

  return async () => {
    await dropRunDatabases((name) => name.startsWith(`${TEST_DATABASE_PREFIX}${runId}_`));
  };
}

async function dropRunDatabases(shouldDrop: (name: string) => boolean): Promise<void> {
  const names = await databasesNamed(TEST_POSTGRES_URL, TEST_DATABASE_PREFIX);
  await dropDatabases(TEST_POSTGRES_URL, names.filter(shouldDrop));
}
