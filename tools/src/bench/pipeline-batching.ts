import type { BenchSystem } from './bench-system.js';
import { scrapeMetrics } from './service-metrics.js';

/** Counters of the worker and the consumer, summed over their running copies. */
export interface BatchingCounters {
  outboxBatches: number;
  outboxPublished: number;
  consumerBatches: number;
  consumerEvents: number;
}

export interface Batching {
  outboxBatches: number;
  rowsPerOutboxBatch: number | null;
  consumerBatches: number;
  eventsPerConsumerBatch: number | null;
}

/**
 * How the pipeline batched while a load ran: many tiny batches mean a
 * transaction (and a WAL flush) per few orders, which is where a wake-up per
 * commit costs the intake path. Read from the services' own /metrics.
 */
export async function readBatchingCounters(system: BenchSystem): Promise<BatchingCounters> {
  const copies = system.list().filter((entry) => entry.role === 'order_outbox_worker' || entry.role === 'order_created_consumer');
  const scraped = await Promise.all(copies.map(async (entry) => ({ role: entry.role, totals: await scrapeMetrics(system.metricsPort(entry.label)) })));
  const sum = (role: string, name: string) =>
    scraped.filter((copy) => copy.role === role).reduce((total, copy) => total + (copy.totals.get(name) ?? 0), 0);
  return {
    outboxBatches: sum('order_outbox_worker', 'outbox_batch_duration_seconds_count'),
    outboxPublished: sum('order_outbox_worker', 'outbox_events_published_total'),
    consumerBatches: sum('order_created_consumer', 'order_events_batch_size_count'),
    consumerEvents: sum('order_created_consumer', 'order_events_batch_size_sum'),
  };
}

/** The batching between two readings of the same (not restarted) processes. */
export function batchingBetween(before: BatchingCounters, after: BatchingCounters): Batching {
  const outboxBatches = after.outboxBatches - before.outboxBatches;
  const consumerBatches = after.consumerBatches - before.consumerBatches;
  return {
    outboxBatches,
    rowsPerOutboxBatch: outboxBatches > 0 ? (after.outboxPublished - before.outboxPublished) / outboxBatches : null,
    consumerBatches,
    eventsPerConsumerBatch: consumerBatches > 0 ? (after.consumerEvents - before.consumerEvents) / consumerBatches : null,
  };
}

export function describeBatching(batching: Batching): string {
  const per = (value: number | null) => (value === null ? '—' : value.toFixed(1));
  return `${batching.outboxBatches} outbox batches of ${per(batching.rowsPerOutboxBatch)} rows, ${batching.consumerBatches} consumer batches of ${per(batching.eventsPerConsumerBatch)} events`;
}
