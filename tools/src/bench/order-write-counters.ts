import type { BenchSystem } from './bench-system.js';
import { scrapeMetrics } from './service-metrics.js';

/** order_service's group-commit counters (from its own /metrics on the API port). */
export interface OrderWriteCounters {
  batches: number;
  orders: number;
  retried: number;
}

export async function readOrderWriteCounters(system: BenchSystem): Promise<OrderWriteCounters> {
  const totals = await scrapeMetrics(system.metricsPort('order_service'));
  return {
    batches: totals.get('order_write_batch_size_count') ?? 0,
    orders: totals.get('order_write_batch_size_sum') ?? 0,
    retried: totals.get('order_write_batches_retried_total') ?? 0,
  };
}

/** What the group commit did between two readings of the same (not restarted) process. */
export function orderWritesBetween(before: OrderWriteCounters, after: OrderWriteCounters) {
  const batches = after.batches - before.batches;
  return { batches, ordersPerBatch: batches > 0 ? (after.orders - before.orders) / batches : null, retried: after.retried - before.retried };
}

export function describeOrderWrites(writes: ReturnType<typeof orderWritesBetween>): string {
  return `${writes.batches} statements of ${writes.ordersPerBatch?.toFixed(1) ?? '—'} orders on average, ${writes.retried} retried one by one`;
}
