import type pg from 'pg';
import { ConfigError } from '../config/env-readers.js';
import { DependencyUnavailableError } from '../lifecycle/startup-errors.js';
import { observePostgresPool, type Registry } from '../observability/metrics.js';
import { describeDatabase } from './postgres-pool.js';

/**
 * Called once at start: the database must answer and hold the service's
 * schema. Either failure becomes one line saying what to do, after the pool
 * is closed (so the process can exit instead of waiting on idle connections).
 */
export async function assertDatabaseReady(pool: pg.Pool, url: string, requiredTable: string): Promise<void> {
  try {
    await checkDatabase(pool, url, requiredTable);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
}

/** At start, for a process that works on a service's database: it must be ready, and its pool is then watched in the metrics. */
export async function useDatabase(
  pool: pg.Pool,
  options: { url: string; requiredTable: string; metrics: Registry; database: string },
): Promise<void> {
  await assertDatabaseReady(pool, options.url, options.requiredTable);
  observePostgresPool(pool, options.metrics, options.database);
}

async function checkDatabase(pool: pg.Pool, url: string, requiredTable: string): Promise<void> {
  const where = describeDatabase(url);
  let found: boolean;
  try {
    const result = await pool.query<{ found: boolean }>('select to_regclass($1) is not null as found', [requiredTable]);
    found = result.rows[0]?.found === true;
  } catch (error) {
    throw new DependencyUnavailableError('PostgreSQL', where, error);
  }
  if (!found) {
    throw new ConfigError(`database ${where} has no ${requiredTable} table; run npm run db:setup first`);
  }
}
