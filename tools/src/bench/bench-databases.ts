import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { databasesNamed, databaseUrlOn, dropDatabases } from '@orders/test-support';
import pg from 'pg';

const run = promisify(execFile);

/** Every bench database starts with this, then the owning run's id (its pid), so leftovers can be traced. */
export const BENCH_DATABASE_PREFIX = 'orders_bench_';

export interface BenchDatabases {
  orderUrl: string;
  customerUrl: string;
  /** A scratch copy of the order schema, no service attached: where the intake baselines write. */
  scratchOrderUrl: string;
  /** Small pools for the bench's own reads and preloads; the baselines open their own. */
  order: pg.Pool;
  customer: pg.Pool;
  close(): Promise<void>;
}

function namesOf(runId: string): { order: string; customer: string; scratch: string } {
  const prefix = `${BENCH_DATABASE_PREFIX}${runId}`;
  return { order: `${prefix}_order`, customer: `${prefix}_customer`, scratch: `${prefix}_scratch` };
}

/** A pool whose idle-connection errors are heard: a database dropped WITH (FORCE) at cleanup must not crash the run. */
export function openPool(connectionString: string, max: number, applicationName: string): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, application_name: applicationName });
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Fresh databases for this run, created and migrated by the services' own
 * setup entries (so the bench measures exactly the schema `npm run db:setup`
 * makes, seed customers included).
 */
export async function createBenchDatabases(options: { root: string; adminUrl: string; runId: string }): Promise<BenchDatabases> {
  const names = namesOf(options.runId);
  await dropBenchDatabases(options.adminUrl, options.runId);
  const orderUrl = databaseUrlOn(options.adminUrl, names.order);
  const customerUrl = databaseUrlOn(options.adminUrl, names.customer);
  const scratchOrderUrl = databaseUrlOn(options.adminUrl, names.scratch);
  const setups = [
    { entry: 'services/order-service/dist/db/setup.js', url: orderUrl },
    { entry: 'services/customer-service/dist/db/setup.js', url: customerUrl },
    { entry: 'services/order-service/dist/db/setup.js', url: scratchOrderUrl },
  ];
  await Promise.all(
    setups.map(async ({ entry, url }) => {
      try {
        await run(process.execPath, [entry], {
          cwd: options.root,
          env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn', LOG_PRETTY: 'false' },
          timeout: 60_000,
        });
      } catch (error) {
        const stderr = (error as { stderr?: string }).stderr ?? '';
        throw new Error(`${entry} failed: ${stderr.trim() || (error as Error).message}`);
      }
    }),
  );
  const order = openPool(orderUrl, 4, 'orders-bench');
  const customer = openPool(customerUrl, 4, 'orders-bench');
  return {
    orderUrl,
    customerUrl,
    scratchOrderUrl,
    order,
    customer,
    async close() {
      await Promise.all([order.end(), customer.end()]);
    },
  };
}

export async function dropBenchDatabases(adminUrl: string, runId: string): Promise<void> {
  const names = namesOf(runId);
  await dropDatabases(adminUrl, [names.order, names.customer, names.scratch]);
}

/** Run ids that own bench databases right now. */
export async function benchRunsWithDatabases(adminUrl: string): Promise<string[]> {
  const names = await databasesNamed(adminUrl, BENCH_DATABASE_PREFIX);
  return [...new Set(names.map((name) => /^orders_bench_(\d+)_(order|customer|scratch)$/.exec(name)?.[1]).filter((id) => id !== undefined))];
}

export async function postgresVersion(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ server_version: string }>('show server_version');
  return rows[0]?.server_version ?? 'unknown';
}

export interface ConnectionSlots {
  free: number;
  /** The applications holding the most connections, for the error message when too few are free. */
  heaviest: string;
}

/**
 * Client connections PostgreSQL can still accept. The server is shared (a
 * developer's services, test runs), and the intake baseline alone opens 64.
 */
export async function connectionSlots(pool: pg.Pool): Promise<ConnectionSlots> {
  const { rows } = await pool.query<{ free: number; heaviest: string | null }>(
    `select current_setting('max_connections')::int - (select count(*)::int from pg_stat_activity where backend_type = 'client backend') as free,
            (select string_agg(name || ' ' || n, ', ' order by n desc)
             from (select coalesce(nullif(application_name, ''), datname, '?') as name, count(*)::int as n
                   from pg_stat_activity where backend_type = 'client backend' group by 1 order by 2 desc limit 4) top) as heaviest`,
  );
  return { free: rows[0]?.free ?? 0, heaviest: rows[0]?.heaviest ?? '' };
}
