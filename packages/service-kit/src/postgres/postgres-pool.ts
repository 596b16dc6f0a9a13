import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Logger } from '../observability/logger.js';

const INT8_OID = 20;

/**
 * bigint ids come back as numbers: they are identity values far below 2^53,
 * and numbers keep the JSON contract (`"id": 1`). numeric stays a string so
 * prices are converted deliberately, never silently rounded.
 */
const types = new pg.TypeOverrides();
types.setTypeParser(INT8_OID, 'text', Number);

export interface PoolOptions {
  url: string;
  applicationName: string;
  max: number;
  logger: Logger;
  /** Session settings for every connection, e.g. { synchronous_commit: 'off' }. */
  sessionSettings?: Record<string, string>;
}

export function createPostgresPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    application_name: options.applicationName,
    ...(options.sessionSettings === undefined
      ? {}
      : { options: Object.entries(options.sessionSettings).map(([name, value]) => `-c ${name}=${value}`).join(' ') }),
    max: options.max,
    types,
    // Fail a checkout fast while the database is down instead of queueing forever.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  // An idle client whose server went away emits here; without a listener the
  // process would crash. The pool drops the client and makes a new one later.
  pool.on('error', (error) => {
    options.logger.warn({ err: error }, 'idle database connection lost');
  });
  // While a client is checked out the pool removes that listener, yet the
  // client still emits 'error' when the server ends the connection
  // (pg_terminate_backend, a restart, a failover). Unheard, that event would
  // crash the process; the query in flight fails on its own and the pool
  // discards the broken client when it is released.
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      options.logger.warn({ err: error }, 'database connection lost while in use');
    });
  });
  return pool;
}

export function createKysely<DB>(pool: pg.Pool): Kysely<DB> {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}

/** host:port/database of a URL, without credentials, for log lines and errors. */
export function describeDatabase(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}

/** Resolves true when the database answers a trivial query within the timeout. */
export async function isDatabaseReachable(pool: pg.Pool, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const probe = pool.query('select 1').then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
