import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { databasesNamed, databaseUrlOn, dropDatabases, openPool } from '@orders/test-support';

/** Every bench database starts with this, then the owning run's id (its pid), so leftovers can be traced. */
const PREFIX = 'orders_bench_';
const namesOf = (runId: string) => ['order', 'customer', 'scratch'].map((role) => `${PREFIX}${runId}_${role}`);

async function runSetup(root: string, entry: string, url: string): Promise<void> {
  const env = { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn', LOG_PRETTY: 'false' };
  await promisify(execFile)(process.execPath, [entry], { cwd: root, env, timeout: 60_000 }).catch((error: unknown) => {
    throw new Error(`${entry} failed: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`);
  });
}

/**
 * Fresh databases for this run, made by the services' own setup entries (so
 * the bench measures exactly the schema `npm run db:setup` makes, seed
 * customers included). The scratch copy of the order schema has no service
 * attached: the intake baselines write there.
 */
export async function createBenchDatabases(root: string, adminUrl: string, runId: string) {
  await dropBenchDatabases(adminUrl, runId);
  const [orderUrl, customerUrl, scratchOrderUrl] = namesOf(runId).map((name) => databaseUrlOn(adminUrl, name)) as [string, string, string];
  const orderSetup = 'services/order-service/dist/db/setup.js';
  await Promise.all([
    runSetup(root, orderSetup, orderUrl),
    runSetup(root, 'services/customer-service/dist/db/setup.js', customerUrl),
    runSetup(root, orderSetup, scratchOrderUrl),
  ]);
  // Small pools for the bench's own reads and preloads.
  const order = openPool(orderUrl, 4, 'orders-bench');
  const customer = openPool(customerUrl, 4, 'orders-bench');
  return { orderUrl, customerUrl, scratchOrderUrl, order, customer, close: () => Promise.all([order.end(), customer.end()]) };
}
export type BenchDatabases = Awaited<ReturnType<typeof createBenchDatabases>>;

export const dropBenchDatabases = (adminUrl: string, runId: string): Promise<void> => dropDatabases(adminUrl, namesOf(runId));

/** Run ids that own bench databases right now. */
export const benchRunsWithDatabases = async (adminUrl: string): Promise<string[]> => [
  ...new Set((await databasesNamed(adminUrl, PREFIX)).flatMap((name) => /^orders_bench_(\d+)_/.exec(name)?.[1] ?? [])),
];
