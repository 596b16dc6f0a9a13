import type pg from 'pg';
import type { Kysely } from 'kysely';
import { createKysely, createPostgresPool, type Logger } from '@orders/service-kit';
import type { OrderDatabase } from './schema.js';

export interface OrderDb {
  pool: pg.Pool;
  db: Kysely<OrderDatabase>;
}

export function openOrderDatabase(
  url: string,
  poolSize: number,
  applicationName: string,
  logger: Logger,
  sessionSettings?: Record<string, string>,
): OrderDb {
  const pool = createPostgresPool({ url, applicationName, max: poolSize, logger, sessionSettings });
  return { pool, db: createKysely<OrderDatabase>(pool) };
}
