import { randomUUID } from 'node:crypto';
import { openPool } from './bench-databases.js';
import { summarize, type Distribution } from './latency-stats.js';
import type { OrderStatement } from './order-statement.js';
import { eventually } from '@orders/test-support';

export interface SqlIntakeResult {
  seconds: number;
  rate: number;
  created: number;
  latencyMs: Distribution;
}

const TOO_MANY_CONNECTIONS = '53300';

/**
 * The second intake baseline: order_service's own statement, one order per
 * transaction, sent through the pg driver (the one the service uses) by
 * `concurrency` loops with a connection each. No HTTP, no validation, no
 * customer check: what Node.js and pg reach with the statement alone, next
 * to pgbench, which measures the database without Node.
 */
export async function placeOrdersWithPlainSql(options: {
  orderUrl: string;
  statement: OrderStatement;
  concurrency: number;
  seconds: number;
  customerIds: readonly number[];
  signal: AbortSignal;
  onTick?: (created: number) => void;
}): Promise<SqlIntakeResult> {
  const orders = openPool(options.orderUrl, options.concurrency, 'orders-bench:sql-baseline');
  try {
    // Open every connection first: the HTTP services are measured with warm pools too. The
    // server is shared; while others hold its last slots (53300), wait for them rather than fail.
    await eventually(
      async () => {
        try {
          await Promise.all(Array.from({ length: options.concurrency }, () => orders.query('select 1')));
          return true;
        } catch (error) {
          if ((error as { code?: string }).code === TOO_MANY_CONNECTIONS) return false;
          throw error;
        }
      },
      (opened) => opened,
      { timeoutMs: 60_000, intervalMs: 500, what: `${options.concurrency} PostgreSQL connections for the plain SQL baseline`, signal: options.signal },
    );
    const latencies: number[] = [];
    const started = performance.now();
    const deadline = started + options.seconds * 1000;
    const ticker = setInterval(() => options.onTick?.(latencies.length), 250);
    let turn = 0;
    const loop = async (): Promise<void> => {
      while (performance.now() < deadline && !options.signal.aborted) {
        turn += 1;
        const customerId = options.customerIds[turn % options.customerIds.length] ?? 1;
        const begun = performance.now();
        // Prepared, as order_service and pgbench send it.
        await orders.query({ name: 'place-orders', text: options.statement.text, values: options.statement.oneOrder(customerId, 1 + (turn % 5), randomUUID()) });
        latencies.push(performance.now() - begun);
      }
    };
    try {
      await Promise.all(Array.from({ length: options.concurrency }, loop));
    } finally {
      clearInterval(ticker);
    }
    options.signal.throwIfAborted();
    const seconds = (performance.now() - started) / 1000;
    return { seconds, rate: latencies.length / seconds, created: latencies.length, latencyMs: summarize(latencies) };
  } finally {
    await orders.end();
  }
}
