import { Counter, Histogram, type Registry } from '@orders/service-kit';

/** What the consumer reports as it works; its /metrics exposes it. */
export function createInboxMetrics(registry: Registry) {
  return {
    applied: new Counter({ name: 'order_events_applied_total', help: 'order.created events that raised an orders_count', registers: [registry] }),
    duplicates: new Counter({
      name: 'order_events_duplicate_total',
      help: 'order.created deliveries of an event already applied (acknowledged as no-ops)',
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'order_events_dead_lettered_total',
      help: 'Messages moved to the dead-letter queue, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    retries: new Counter({
      name: 'order_events_batch_retries_total',
      help: 'Batches retried after a transient failure (database unavailable, deadlock)',
      registers: [registry],
    }),
    batchDuration: new Histogram({
      name: 'order_events_batch_duration_seconds',
      help: 'Time to apply one batch of events in one transaction',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'order_events_batch_size',
      help: 'Events applied per transaction',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500],
      registers: [registry],
    }),
    endToEndLag: new Histogram({
      name: 'order_events_end_to_end_lag_seconds',
      help: 'From occurred_at (the order stored) to the event applied',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300],
      registers: [registry],
    }),
  };
}

export type InboxMetrics = ReturnType<typeof createInboxMetrics>;
