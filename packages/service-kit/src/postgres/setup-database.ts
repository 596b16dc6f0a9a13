import type { Kysely, Migration } from 'kysely';
import { assertNoDefaultCredentials } from '../config/connection-urls.js';
import type { Logger } from '../observability/logger.js';
import { DependencyUnavailableError } from '../lifecycle/startup-errors.js';
import { ensureDatabaseExists } from './ensure-database.js';
import { migrateToLatest } from './migrate.js';
import { createKysely, createPostgresPool, describeDatabase } from './postgres-pool.js';

export interface SetupDatabaseOptions<DB> {
  url: string;
  /** NODE_ENV=production: the development credentials are refused, as the services refuse them (default false). */
  production?: boolean;
  migrations: Record<string, Migration>;
  logger: Logger;
  /** Idempotent seed data, run after the migrations. */
  seed?: (db: Kysely<DB>) => Promise<number>;
}

/** Creates the database when missing, migrates it to the latest version and seeds it. Safe to run again. */
export async function setupDatabase<DB>(options: SetupDatabaseOptions<DB>): Promise<void> {
  assertNoDefaultCredentials('DATABASE_URL', options.url, options.production ?? false);
  const where = describeDatabase(options.url);
  try {
    if (await ensureDatabaseExists(options.url)) options.logger.info({ database: where }, 'database created');
  } catch (error) {
    throw new DependencyUnavailableError('PostgreSQL', where, error);
  }
  const pool = createPostgresPool({ url: options.url, applicationName: 'db-setup', max: 2, logger: options.logger });
  const db = createKysely<DB>(pool);
  try {
    const applied = await migrateToLatest(db as Kysely<unknown>, options.migrations);
    options.logger.info({ database: where, applied }, applied.length ? 'migrations applied' : 'schema up to date');
    if (options.seed) {
      const inserted = await options.seed(db);
      options.logger.info({ database: where, inserted }, 'seed data in place');
    }
  } finally {
    await db.destroy();
  }
}
