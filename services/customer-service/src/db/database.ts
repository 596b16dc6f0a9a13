import type pg from 'pg';
import type { Kysely } from 'kysely';
import { createKysely, createPostgresPool, type Logger } from '@orders/service-kit';
import type { CustomerDatabase } from './schema.js';

export interface CustomerDb {
  pool: pg.Pool;
  db: Kysely<CustomerDatabase>;
}

export function openCustomerDatabase(url: string, poolSize: number, applicationName: string, logger: Logger): CustomerDb {
  const pool = createPostgresPool({ url, applicationName, max: poolSize, logger });
  return { pool, db: createKysely<CustomerDatabase>(pool) };
}
