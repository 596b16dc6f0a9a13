import pg from 'pg';

/** The URL of database `name` on the server `adminUrl` points at. */
export function databaseUrlOn(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A small pool for a harness to read and plant rows. Its error listener
 * matters: a database dropped WITH (FORCE) can reach a connection the pool
 * is still closing, and an unheard pool error would crash the run.
 */
export function openPool(connectionString: string, max = 3, applicationName = 'orders-test-support'): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, application_name: applicationName });
  pool.on('error', () => undefined);
  return pool;
}

/** One short admin connection; its errors are heard, so a database dropped WITH (FORCE) elsewhere cannot crash the harness. */
export async function withAdminClient<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'orders-test-support:admin' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Names of the databases starting with `prefix`. */
export async function databasesNamed(adminUrl: string, prefix: string): Promise<string[]> {
  return withAdminClient(adminUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>('select datname from pg_database where starts_with(datname, $1)', [prefix]);
    return rows.map((row) => row.datname);
  });
}

export async function dropDatabases(adminUrl: string, names: readonly string[]): Promise<void> {
  await withAdminClient(adminUrl, async (client) => {
    for (const name of names) await client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`);
  });
}

/**
 * Whether process `pid` still runs. A harness run is named by its pid: what a
 * run that has ended left behind (databases, queues, processes) is safe to
 * remove, while a run still going in another terminal keeps everything it has.
 */
export function processIsAlive(pid: number): boolean {
  // Not a pid (a name that does not carry one): assume its owner lives, so nothing of it is removed.
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
