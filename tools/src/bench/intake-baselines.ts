import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { accessSync, constants, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { eventually } from '@orders/test-support';
import { openPool } from './bench-databases.js';
import { summarize } from './latency-stats.js';

const run = promisify(execFile);

/**
 * The SQL order_service sends to store orders, loaded from its compiled
 * module (as the bench runs every service from its build), so the baselines
 * send exactly the statement the API sends and can never drift from it. It
 * takes nine column arrays; the baselines send one order per statement.
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
  const onPath = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
  const candidates = onPath.map((dir) => path.join(dir, 'pgbench'));
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => path.join('/usr/lib/postgresql', version, 'bin', 'pgbench')));
  } catch {
    // No server package here: only PATH counts.
  }
  const found = candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (found === undefined) {
    throw new Error('pgbench not found on PATH nor in /usr/lib/postgresql/*/bin (it ships with the PostgreSQL server package)');
  }
  return found;
}

/**
 * pgbench sends variables, not $n: `:p1` … `:p9`, each an array literal of
 * one element; no event id, the statement makes one per order, as pgbench cannot.
 */
export async function placeOrdersWithPgbench(
  url: string,
  statement: OrderStatement,
  clients: number,
  seconds: number,
  signal: AbortSignal,
) {
  const binary = findPgbench();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orders-bench-pgbench-'));
  const file = path.join(dir, 'place-order.sql');
  writeFileSync(file, `${statement.text.trim().replace(/\$(\d+)/g, (_match, index: string) => `:p${index}`)};\n`);
  const literal = (value: string | number | null) => (value === null ? 'NULL' : `"${String(value)}"`);
  const variables = statement.oneOrder(3, 2, null).flatMap((column, index) => ['-D', `p${index + 1}={${column.map(literal).join(',')}}`]);
  try {
    const threads = String(Math.min(clients, os.availableParallelism()));
    const args = ['-n', '-M', 'prepared', '-c', String(clients), '-j', threads, '-T', String(seconds), '-f', file, ...variables, url];
    const { stdout } = await run(binary, args, { signal, timeout: (seconds + 60) * 1000 });
    const number = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1] ?? Number.NaN);
    // Transactions (= orders) per second, without the initial connection time.
    const rate = number(/tps = ([\d.]+) \(without initial connection time\)/);
    if (!Number.isFinite(rate)) throw new Error(`could not read pgbench's output:\n${stdout}`);
    return {
      clients,
      seconds,
      rate,
      transactions: number(/number of transactions actually processed: (\d+)/),
      failed: number(/number of failed transactions: (\d+)/) || 0,
      latencyMeanMs: number(/latency average = ([\d.]+) ms/),
      binary,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const TOO_MANY_CONNECTIONS = '53300';

/** The statement alone through the pg driver the service uses: no HTTP, no validation, no customer check. */
export async function placeOrdersWithPlainSql(options: {
  orderUrl: string;
  statement: OrderStatement;
  concurrency: number;
  seconds: number;
  customerIds: readonly number[];
  signal: AbortSignal;
  onTick: (created: number) => void;
}) {
  const { concurrency, signal, customerIds, statement } = options;
  const orders = openPool(options.orderUrl, concurrency, 'orders-bench:sql-baseline');
  try {
    // Open every connection first: the HTTP services are measured with warm pools too. The
    // server is shared; while others hold its last slots (53300), wait for them rather than fail.
    const opened = async () => {
      try {
        await Promise.all(Array.from({ length: concurrency }, () => orders.query('select 1')));
        return true;
      } catch (error) {
        if ((error as { code?: string }).code === TOO_MANY_CONNECTIONS) return false;
        throw error;
      }
    };
    await eventually(opened, (done) => done, {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: `${concurrency} PostgreSQL connections for the plain SQL baseline`,
      signal,
    });
    const latencies: number[] = [];
    const started = performance.now();
    const deadline = started + options.seconds * 1000;
    const ticker = setInterval(() => options.onTick(latencies.length), 250);
    let turn = 0;
    const loop = async (): Promise<void> => {
      while (performance.now() < deadline && !signal.aborted) {
        turn += 1;
        const begun = performance.now();
        // Prepared, as order_service and pgbench send it.
        const values = statement.oneOrder(customerIds[turn % customerIds.length] ?? 1, 1 + (turn % 5), randomUUID());
        await orders.query({ name: 'place-orders', text: statement.text, values });
        latencies.push(performance.now() - begun);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, loop)).finally(() => clearInterval(ticker));
    signal.throwIfAborted();
    const seconds = (performance.now() - started) / 1000;
    return { seconds, rate: latencies.length / seconds, created: latencies.length, latencyMs: summarize(latencies) };
  } finally {
    await orders.end();
  }
}
