import pg from 'pg';
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
  await dropDatabases((name) => isLeftoverOfDeadRun(name));

  const logger = pino({ level: 'warn' });
  await setupDatabase({ url: databaseUrl(templateName('order', runId)), migrations: orderMigrations, logger });
  await setupDatabase<CustomerDatabase>({
    url: databaseUrl(templateName('customer', runId)),
    migrations: customerMigrations,
    logger,
    seed: seedCustomers,
  });

  return async () => {
    await dropDatabases((name) => name.startsWith(`${TEST_DATABASE_PREFIX}${runId}_`));
  };
}

function isLeftoverOfDeadRun(name: string): boolean {
  const pid = Number(/^orders_test_(\d+)_/.exec(name)?.[1]);
  if (!Number.isInteger(pid)) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

async function dropDatabases(shouldDrop: (name: string) => boolean): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('select datname from pg_database where datname like $1', [
      `${TEST_DATABASE_PREFIX}%`,
    ]);
    for (const { datname } of rows.filter((row) => shouldDrop(row.datname))) {
      await client.query(`drop database if exists ${client.escapeIdentifier(datname)} with (force)`);
    }
  } finally {
    await client.end();
  }
}
