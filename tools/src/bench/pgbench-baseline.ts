import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { OrderStatement } from './order-statement.js';

const run = promisify(execFile);

export interface PgbenchResult {
  clients: number;
  seconds: number;
  /** Transactions (= orders) per second, without the initial connection time. */
  rate: number;
  transactions: number;
  failed: number;
  latencyMeanMs: number;
  binary: string;
}

/** pgbench from PATH, else from the PostgreSQL server package (/usr/lib/postgresql/<version>/bin), newest first. */
export function findPgbench(): string {
  const candidates = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '').map((dir) => path.join(dir, 'pgbench'));
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => path.join('/usr/lib/postgresql', version, 'bin', 'pgbench')));
  } catch {
    // No server package here: only PATH counts.
  }
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Try the next one.
    }
  }
  throw new Error('pgbench not found on PATH nor in /usr/lib/postgresql/*/bin (it ships with the PostgreSQL server package)');
}

/** pgbench sends variables, not $n: `:p1` … `:p9`, each an array literal of one element. */
function pgbenchScript(statement: OrderStatement): { script: string; variables: string[] } {
  const script = `${statement.text.trim().replace(/\$(\d+)/g, (_match, index: string) => `:p${index}`)};\n`;
  const literal = (value: string | number | null) => (value === null ? 'NULL' : `"${String(value)}"`);
  // No event id: the statement makes one per order, as pgbench cannot.
  const variables = statement.oneOrder(3, 2, null).map((column, index) => `p${index + 1}={${column.map(literal).join(',')}}`);
  return { script, variables };
}

/**
 * The ceiling the intake is compared with: PostgreSQL's own load generator
 * sending order_service's statement, one order per transaction, from
 * `clients` connections, prepared, for `seconds`.
 */
export async function placeOrdersWithPgbench(options: {
  url: string;
  statement: OrderStatement;
  clients: number;
  seconds: number;
  signal: AbortSignal;
}): Promise<PgbenchResult> {
  const binary = findPgbench();
  const { script, variables } = pgbenchScript(options.statement);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orders-bench-pgbench-'));
  const file = path.join(dir, 'place-order.sql');
  writeFileSync(file, script);
  try {
    const args = ['-n', '-M', 'prepared', '-c', String(options.clients), '-j', String(Math.min(options.clients, os.availableParallelism())), '-T', String(options.seconds), '-f', file];
    for (const variable of variables) args.push('-D', variable);
    args.push(options.url);
    const { stdout } = await run(binary, args, { signal: options.signal, timeout: (options.seconds + 60) * 1000 });
    const number = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1] ?? Number.NaN);
    const rate = number(/tps = ([\d.]+) \(without initial connection time\)/);
    if (!Number.isFinite(rate)) throw new Error(`could not read pgbench's output:\n${stdout}`);
    return {
      clients: options.clients,
      seconds: options.seconds,
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
