import { eventually, scrapeMetrics } from '@orders/test-support';
import type { BenchBroker } from './bench-broker.js';
import type { BenchDatabases } from './bench-databases.js';
import type { BenchSystem } from './bench-system.js';
import { SYNTHETIC_ORDER_ID_BASE } from './order-events.js';

/** Orders stored since a watermark, those of them applied to their customer, outbox rows still to publish (all of them), the queue's depth. */
export interface Backlog {
  created: number;
  unapplied: number;
  outboxPending: number;
  queued: number;
}

/** Counting by order id since a watermark keeps every query on an index, so sampling twice a second costs the system little. */
export function createBacklogProbe(databases: BenchDatabases, broker: BenchBroker, customerIds: readonly number[]) {
  const count = async (pool: BenchDatabases['order'], text: string, values: unknown[] = []) =>
    (await pool.query<{ n: number }>(text, values)).rows[0]?.n ?? 0;
  const maxOrderId = () => count(databases.order, 'select coalesce(max(id), 0)::int as n from orders');
  async function read(sinceOrderId: number): Promise<Backlog> {
    const [created, applied, outboxPending, queued] = await Promise.all([
      count(databases.order, 'select count(*)::int as n from orders where id > $1', [sinceOrderId]),
      // customer_id = any(...) lets the (customer_id, order_id) index answer without a table scan.
      count(
        databases.customer,
        'select count(*)::int as n from processed_order_events where customer_id = any($1::bigint[]) and order_id > $2 and order_id < $3',
        [customerIds, sinceOrderId, SYNTHETIC_ORDER_ID_BASE],
      ),
      count(databases.order, 'select count(*)::int as n from outbox_events where published_at is null and dead_at is null'),
      broker.queueDepth(),
    ]);
    return { created, unapplied: created - applied, outboxPending, queued };
  }
  // Orders up to here are known to be applied; later waits count only what came after.
  let drainedUpTo = 0;
  return {
    read,
    maxOrderId,
    /** Until every order stored so far is applied and the outbox is empty; with no request in flight (an uncommitted order does not count). */
    async waitUntilDrained(timeoutMs: number, signal: AbortSignal): Promise<Backlog> {
      const highest = await maxOrderId();
      const describe = (b: Backlog) => `${b.unapplied} of ${b.created} orders unapplied (outbox ${b.outboxPending}, queue ${b.queued})`;
      const options = { timeoutMs, intervalMs: 100, what: 'the pipeline to drain', signal, describe };
      const backlog = await eventually(
        () => read(drainedUpTo),
        (seen) => seen.unapplied === 0 && seen.outboxPending === 0,
        options,
      );
      drainedUpTo = Math.max(drainedUpTo, highest);
      return backlog;
    },
  };
}

/** Counters of the services' own /metrics, each summed over the running copies of its role. */
const COUNTERS = {
  outboxBatches: 'outbox_batch_duration_seconds_count',
  outboxPublished: 'outbox_events_published_total',
  consumerBatches: 'order_events_batch_size_count',
  consumerEvents: 'order_events_batch_size_sum',
  orderWrites: 'order_write_batch_size_count',
  ordersWritten: 'order_write_batch_size_sum',
  writesRetried: 'order_write_batches_retried_total',
  /** 503 overloaded answers of the admission control. */
  shed: 'order_intake_shed_total',
  /** A gauge: orders admitted and not answered yet. */
  inFlight: 'order_intake_in_flight',
} as const;
type Counters = Record<keyof typeof COUNTERS, number>;

export async function readCounters(system: BenchSystem): Promise<Counters> {
  const scraped = await Promise.all(system.list().map((copy) => scrapeMetrics(system.metricsPort(copy.label))));
  const sum = (name: string) => scraped.reduce((total, totals) => total + (totals.get(name) ?? 0), 0);
  return Object.fromEntries(Object.entries(COUNTERS).map(([key, name]) => [key, sum(name)])) as Counters;
}

/**
 * How the pipeline batched between two readings of the same processes: many
 * tiny batches mean a transaction (and a WAL flush) per few orders, which is
 * where a wake-up per commit costs.
 */
export function batchingBetween(before: Counters, after: Counters) {
  const delta = (key: keyof Counters) => after[key] - before[key];
  const per = (part: number, whole: number) => (whole > 0 ? part / whole : null);
  return {
    outboxBatches: delta('outboxBatches'),
    rowsPerOutboxBatch: per(delta('outboxPublished'), delta('outboxBatches')),
    consumerBatches: delta('consumerBatches'),
    eventsPerConsumerBatch: per(delta('consumerEvents'), delta('consumerBatches')),
    orderWrites: delta('orderWrites'),
    ordersPerWrite: per(delta('ordersWritten'), delta('orderWrites')),
    writesRetried: delta('writesRetried'),
  };
}
type Batching = ReturnType<typeof batchingBetween>;

export const describeBatching = (b: Batching): string =>
  `${b.outboxBatches} outbox batches of ${b.rowsPerOutboxBatch?.toFixed(1) ?? '—'} rows, ` +
  `${b.consumerBatches} consumer batches of ${b.eventsPerConsumerBatch?.toFixed(1) ?? '—'} events`;
