import type { BenchBroker } from './bench-broker.js';
import type { BenchDatabases } from './bench-databases.js';
import { SYNTHETIC_ORDER_ID_BASE } from './order-events.js';
import { eventually } from '@orders/test-support';

/** Orders not yet applied to their customer, and where they wait. */
export interface Backlog {
  /** Orders stored since the watermark. */
  created: number;
  /** Of those, applied by the consumer (a processed_order_events row). */
  applied: number;
  /** Outbox rows still to publish (all of them, not only since the watermark). */
  outboxPending: number;
  /** Messages ready in the queue. */
  queued: number;
  /** created − applied: the whole backlog, wherever it is. */
  unapplied: number;
  outboxDead: number;
  deadLettered: number;
}

export function describeBacklog(backlog: Backlog): string {
  return (
    `${backlog.unapplied} unapplied of ${backlog.created} (outbox ${backlog.outboxPending}, queue ${backlog.queued}` +
    `, dead outbox rows ${backlog.outboxDead}, dead letters ${backlog.deadLettered})`
  );
}

/**
 * Reads the backlog from the two databases and the broker. Counting by order
 * id since a watermark keeps every query on an index, so sampling twice a
 * second costs the system under test little.
 */
export function createBacklogProbe(databases: BenchDatabases, broker: BenchBroker, customerIds: readonly number[]) {
  async function count(pool: BenchDatabases['order'], text: string, values: unknown[]): Promise<number> {
    const { rows } = await pool.query<{ n: number }>(text, values);
    return rows[0]?.n ?? 0;
  }

  async function read(sinceOrderId: number): Promise<Backlog> {
    const [created, applied, outbox, queued, deadLettered] = await Promise.all([
      count(databases.order, 'select count(*)::int as n from orders where id > $1', [sinceOrderId]),
      count(
        databases.customer,
        // customer_id = any(...) lets the (customer_id, order_id) index answer without a table scan.
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
    const outboxPending = outbox.rows[0]?.pending ?? 0;
    const outboxDead = outbox.rows[0]?.dead ?? 0;
    return { created, applied, outboxPending, queued, unapplied: created - applied, outboxDead, deadLettered };
  }

  // Orders up to here are known to be applied; later waits only count what came after.
  let drainedUpTo = 0;

  async function maxOrderId(): Promise<number> {
    return count(databases.order, 'select coalesce(max(id), 0)::int as n from orders', []);
  }

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
      const backlog = await eventually(
        async () => {
          const seen = await read(drainedUpTo);
          onProbe?.(seen);
          return seen;
        },
        (seen) => seen.unapplied === 0 && seen.outboxPending === 0,
        { timeoutMs, intervalMs: 100, what: 'the pipeline to drain', signal, describe: describeBacklog },
      );
      drainedUpTo = Math.max(drainedUpTo, highest);
      return backlog;
    },
  };
}

export type BacklogProbe = ReturnType<typeof createBacklogProbe>;
