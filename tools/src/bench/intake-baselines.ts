import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { openPool } from '@orders/test-support';
import { summarize } from './latency-stats.js';

/**
 * The SQL order_service sends to store orders, loaded from its build (as the
 * bench runs every service from its build), so the baselines send exactly the
 * statement the API sends. It takes nine column arrays; the baselines send
 * one order per statement.
 */
export async function loadOrderStatement(root: string) {
  const file = path.join(root, 'services/order-service/dist/orders/place-orders-statement.js');
  const text = ((await import(pathToFileURL(file).href)) as { PLACE_ORDERS_STATEMENT?: unknown }).PLACE_ORDERS_STATEMENT;
  if (typeof text !== 'string') throw new Error(`${file} does not export PLACE_ORDERS_STATEMENT`);
  const oneOrder = (customerId: number, quantity: number, eventId: string | null) =>
    [customerId, 'Bench widget', quantity, '9.99', 'pending', eventId, null, null, null].map((value) => [value]);
  return { text, oneOrder };
}
type OrderStatement = Awaited<ReturnType<typeof loadOrderStatement>>;

/** pgbench from PATH, else from the PostgreSQL server package (/usr/lib/postgresql/<version>/bin), newest first. */
function findPgbench(): string {
  const serverDirs = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), ...serverDirs.map((version) => `/usr/lib/postgresql/${version}/bin`)];
  const found = dirs.map((dir) => path.join(dir, 'pgbench')).find((candidate) => existsSync(candidate));
  if (found === undefined) {
    throw new Error('pgbench not found on PATH nor in /usr/lib/postgresql/*/bin (the PostgreSQL server package has it)');
  }
  return found;
}

/** pgbench sends variables, not $n: `:p1` … `:p9`, each a one-element array literal; no event id: the statement makes one, as pgbench cannot. */
export async function placeOrdersWithPgbench(
  url: string,
  statement: OrderStatement,
  clients: number,
  seconds: number,
  signal: AbortSignal,
) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orders-bench-pgbench-'));
  const file = path.join(dir, 'place-order.sql');
  writeFileSync(file, `${statement.text.trim().replace(/\$(\d+)/g, (_match, index: string) => `:p${index}`)};\n`);
  const literal = (value: string | number | null) => (value === null ? 'NULL' : `"${String(value)}"`);
  const variables = statement.oneOrder(3, 2, null).flatMap((column, index) => ['-D', `p${index + 1}={${column.map(literal).join(',')}}`]);
  const threads = String(Math.min(clients, os.availableParallelism()));
  const args = ['-n', '-M', 'prepared', '-c', String(clients), '-j', threads, '-T', String(seconds), '-f', file, ...variables, url];
  try {
    const { stdout } = await promisify(execFile)(findPgbench(), args, { signal, timeout: (seconds + 60) * 1000 });
    const number = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1] ?? Number.NaN);
    // Transactions (= orders) per second, without the initial connection time.
    const rate = number(/tps = ([\d.]+) \(without initial connection time\)/);
    if (!Number.isFinite(rate)) throw new Error(`could not read pgbench's output:\n${stdout}`);
    const failed = number(/number of failed transactions: (\d+)/) || 0;
    return { clients, seconds, rate, failed, latencyMeanMs: number(/latency average = ([\d.]+) ms/) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The statement alone through the pg driver the service uses, prepared as the service sends it: no HTTP, no validation, no customer check. */
export async function placeOrdersWithPlainSql(
  url: string,
  statement: OrderStatement,
  loops: number,
  seconds: number,
  customerIds: readonly number[],
) {
  const orders = openPool(url, loops, 'orders-bench:sql-baseline');
  try {
    // Every connection opened first: the HTTP services are measured with warm pools too.
    await Promise.all(Array.from({ length: loops }, () => orders.query('select 1')));
    const latencies: number[] = [];
    const started = performance.now();
    const loop = async () => {
      while (performance.now() < started + seconds * 1000) {
        const turn = latencies.length;
        const values = statement.oneOrder(customerIds[turn % customerIds.length] ?? 1, 1 + (turn % 5), randomUUID());
        const begun = performance.now();
        await orders.query({ name: 'place-orders', text: statement.text, values });
        latencies.push(performance.now() - begun);
      }
    };
    await Promise.all(Array.from({ length: loops }, loop));
    const elapsed = (performance.now() - started) / 1000;
    return { seconds: elapsed, rate: latencies.length / elapsed, created: latencies.length, latencyMs: summarize(latencies) };
  } finally {
    await orders.end();
  }
}
