import { scrapeMetrics } from '@orders/test-support';
import type { BenchSystem } from './bench-system.js';

/** Counters each exposed by one role (worker, consumer, order_service), summed over all its running copies. */
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

/** The services' own /metrics: a step compares two readings to say where the time went, next to its figure. */
export async function readCounters(system: BenchSystem): Promise<Counters> {
  const scraped = await Promise.all(system.list().map((copy) => scrapeMetrics(system.metricsPort(copy.label))));
  const sum = (name: string) => scraped.reduce((total, totals) => total + (totals.get(name) ?? 0), 0);
  return Object.fromEntries(Object.entries(COUNTERS).map(([key, name]) => [key, sum(name)])) as Counters;
}

const per = (part: number, whole: number) => (whole > 0 ? part / whole : null);

/**
 * How the pipeline batched between two readings of the same (not restarted) processes: many tiny
 * batches mean a transaction (and a WAL flush) per few orders, which is where a wake-up per commit costs.
 */
export function batchingBetween(before: Counters, after: Counters) {
  const outboxBatches = after.outboxBatches - before.outboxBatches;
  const consumerBatches = after.consumerBatches - before.consumerBatches;
  const rowsPerOutboxBatch = per(after.outboxPublished - before.outboxPublished, outboxBatches);
  const eventsPerConsumerBatch = per(after.consumerEvents - before.consumerEvents, consumerBatches);
  return { outboxBatches, rowsPerOutboxBatch, consumerBatches, eventsPerConsumerBatch };
}
export type Batching = ReturnType<typeof batchingBetween>;

export const describeBatching = (batching: Batching): string =>
  `${batching.outboxBatches} outbox batches of ${batching.rowsPerOutboxBatch?.toFixed(1) ?? '—'} rows, ` +
  `${batching.consumerBatches} consumer batches of ${batching.eventsPerConsumerBatch?.toFixed(1) ?? '—'} events`;

/** What order_service's group commit did between two readings. */
export function orderWritesBetween(before: Counters, after: Counters) {
  const batches = after.orderWrites - before.orderWrites;
  const ordersPerBatch = per(after.ordersWritten - before.ordersWritten, batches);
  return { batches, ordersPerBatch, retried: after.writesRetried - before.writesRetried };
}

export const describeOrderWrites = (writes: ReturnType<typeof orderWritesBetween>): string =>
  `${writes.batches} statements of ${writes.ordersPerBatch?.toFixed(1) ?? '—'} orders on average, ${writes.retried} retried one by one`;
