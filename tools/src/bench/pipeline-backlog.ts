import { eventually } from '@orders/test-support';
import type { BenchBroker } from './bench-broker.js';
import type { BenchDatabases } from './bench-databases.js';
import { SYNTHETIC_ORDER_ID_BASE } from './order-events.js';

/**
 * Orders not yet applied to their customer, and where they wait: created
 * (stored since the watermark), applied (of those, a processed_order_events
 * row), outboxPending (all rows still to publish, not only since the
 * watermark), queued (ready in the queue), unapplied = created − applied.
 */
export interface Backlog {
  created: number;
  applied: number;
  outboxPending: number;
  queued: number;
  unapplied: number;
  outboxDead: number;
  deadLettered: number;
}

export const describeBacklog = (backlog: Backlog): string =>
  `${backlog.unapplied} unapplied of ${backlog.created} (outbox ${backlog.outboxPending}, queue ${backlog.queued}` +
  `, dead outbox rows ${backlog.outboxDead}, dead letters ${backlog.deadLettered})`;

/**
 * Reads the backlog from the two databases and the broker. Counting by order
 * id since a watermark keeps every query on an index, so sampling twice a
 * second costs the system under test little.
 */
export function createBacklogProbe(databases: BenchDatabases, broker: BenchBroker, customerIds: readonly number[]) {
  const count = async (pool: BenchDatabases['order'], text: string, values: unknown[]) =>
    (await pool.query<{ n: number }>(text, values)).rows[0]?.n ?? 0;
  const maxOrderId = () => count(databases.order, 'select coalesce(max(id), 0)::int as n from orders', []);

  async function read(sinceOrderId: number): Promise<Backlog> {
    const [created, applied, outbox, queued, deadLettered] = await Promise.all([
      count(databases.order, 'select count(*)::int as n from orders where id > $1', [sinceOrderId]),
      // customer_id = any(...) lets the (customer_id, order_id) index answer without a table scan.
      count(
        databases.customer,
        'select count(*)::int as n from processed_order_events where customer_id = any($1::bigint[]) and order_id > $2 and order_id < $3',
        [customerIds, sinceOrderId, SYNTHETIC_ORDER_ID_BASE],
      ),
      databases.order.query<{ pending: number; dead: number }>(
        `select (select count(*)::int from outbox_events where published_at is null and dead_at is null) as pending,
                (select count(*)::int from outbox_events where dead_at is not null) as dead`,
      ),
      broker.queueDepth(),
      broker.deadLetterDepth(),
    ]);
    const { pending: outboxPending = 0, dead: outboxDead = 0 } = outbox.rows[0] ?? {};
    return { created, applied, outboxPending, queued, unapplied: created - applied, outboxDead, deadLettered };
  }

  // Orders up to here are known to be applied; later waits only count what came after.
  let drainedUpTo = 0;
  return {
    read,
    maxOrderId,
    /**
     * Waits until every order stored so far is applied and the outbox is
     * empty. Call it only while no request is in flight: an order whose
     * transaction has not committed yet is not counted.
     */
    async waitUntilDrained(timeoutMs: number, signal: AbortSignal, onProbe?: (backlog: Backlog) => void): Promise<Backlog> {
      const highest = await maxOrderId();
      const probe = async () => {
        const seen = await read(drainedUpTo);
        onProbe?.(seen);
        return seen;
      };
      const options = { timeoutMs, intervalMs: 100, what: 'the pipeline to drain', signal, describe: describeBacklog };
      const backlog = await eventually(probe, (seen) => seen.unapplied === 0 && seen.outboxPending === 0, options);
      drainedUpTo = Math.max(drainedUpTo, highest);
      return backlog;
    },
  };
}
