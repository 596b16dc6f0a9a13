import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { databasesNamed, databaseUrlOn, dropDatabases } from '@orders/test-support';
import pg from 'pg';

const run = promisify(execFile);

/** Every bench database starts with this, then the owning run's id (its pid), so leftovers can be traced. */
const PREFIX = 'orders_bench_';
const namesOf = (runId: string) => ({
  order: `${PREFIX}${runId}_order`,
  customer: `${PREFIX}${runId}_customer`,
  scratch: `${PREFIX}${runId}_scratch`,
});

/** A pool whose idle-connection errors are heard: a database dropped WITH (FORCE) at cleanup must not crash the run. */
export function openPool(connectionString: string, max: number, applicationName: string): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, application_name: applicationName });
  pool.on('error', () => undefined);
  return pool;
}

async function runSetup(root: string, entry: string, url: string): Promise<void> {
  try {
    const env = { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn', LOG_PRETTY: 'false' };
    await run(process.execPath, [entry], { cwd: root, env, timeout: 60_000 });
  } catch (error) {
    throw new Error(`${entry} failed: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`);
  }
}

/**
 * Fresh databases for this run, created and migrated by the services' own
 * setup entries (so the bench measures exactly the schema `npm run db:setup`
 * makes, seed customers included). The scratch copy of the order schema has
 * no service attached: the intake baselines write there. The two small
 * pools are for the bench's own reads and preloads.
 */
export async function createBenchDatabases(root: string, adminUrl: string, runId: string) {
  const names = namesOf(runId);
  await dropBenchDatabases(adminUrl, runId);
  const orderUrl = databaseUrlOn(adminUrl, names.order);
  const customerUrl = databaseUrlOn(adminUrl, names.customer);
  const scratchOrderUrl = databaseUrlOn(adminUrl, names.scratch);
  const orderSetup = 'services/order-service/dist/db/setup.js';
  await Promise.all([
    runSetup(root, orderSetup, orderUrl),
    runSetup(root, 'services/customer-service/dist/db/setup.js', customerUrl),
    runSetup(root, orderSetup, scratchOrderUrl),
  ]);
  const order = openPool(orderUrl, 4, 'orders-bench');
  const customer = openPool(customerUrl, 4, 'orders-bench');
  return { orderUrl, customerUrl, scratchOrderUrl, order, customer, close: () => Promise.all([order.end(), customer.end()]) };
}

export type BenchDatabases = Awaited<ReturnType<typeof createBenchDatabases>>;

export const dropBenchDatabases = (adminUrl: string, runId: string): Promise<void> =>
  dropDatabases(adminUrl, Object.values(namesOf(runId)));

/** Run ids that own bench databases right now. */
export async function benchRunsWithDatabases(adminUrl: string): Promise<string[]> {
  const names = await databasesNamed(adminUrl, PREFIX);
  return [...new Set(names.flatMap((name) => /^orders_bench_(\d+)_(order|customer|scratch)$/.exec(name)?.[1] ?? []))];
}

export async function postgresVersion(pool: pg.Pool): Promise<string> {
  return (await pool.query<{ server_version: string }>('show server_version')).rows[0]?.server_version ?? 'unknown';
}

/**
 * Client connections PostgreSQL can still accept, and the applications holding
 * the most (for the error message when too few are free). The server is shared
 * (a developer's services, test runs), and the intake baseline alone opens 64.
 */
export async function connectionSlots(pool: pg.Pool): Promise<{ free: number; heaviest: string }> {
  const { rows } = await pool.query<{ free: number; heaviest: string | null }>(
    `select current_setting('max_connections')::int - (select count(*)::int from pg_stat_activity where backend_type = 'client backend') as free,
            (select string_agg(name || ' ' || n, ', ' order by n desc)
             from (select coalesce(nullif(application_name, ''), datname, '?') as name, count(*)::int as n
                   from pg_stat_activity where backend_type = 'client backend' group by 1 order by 2 desc limit 4) top) as heaviest`,
  );
  return { free: rows[0]?.free ?? 0, heaviest: rows[0]?.heaviest ?? '' };
}
