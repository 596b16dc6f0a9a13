import pg from 'pg';

/**
 * A small pool for a test to read and plant rows directly. Its error listener
 * matters: a test database is dropped with FORCE, which can reach a connection
 * the pool is still closing, and an unheard pool error would crash the run.
 */
export function openTestPool(connectionString: string): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: 3 });
  pool.on('error', () => undefined);
  return pool;
}
