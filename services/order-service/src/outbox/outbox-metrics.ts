import { Counter, Histogram, type Registry } from '@orders/service-kit';

/** What the relay reports as it works; the worker's /metrics exposes it. */
export function createOutboxMetrics(registry: Registry) {
  return {
    published: new Counter({ name: 'outbox_events_published_total', help: 'Outbox events confirmed by the broker', registers: [registry] }),
    failed: new Counter({
      name: 'outbox_publish_failures_total',
      help: 'Publishes that failed, by kind: rejected (nack or unroutable, costs an attempt) or unconfirmed (connection lost or no confirm in time)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    dead: new Counter({ name: 'outbox_events_dead_total', help: 'Outbox events that ran out of attempts', registers: [registry] }),
    batchDuration: new Histogram({
      name: 'outbox_batch_duration_seconds',
      help: 'Claim, publish with confirms and mark, per batch',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers: [registry],
    }),
    relayLag: new Histogram({
      name: 'outbox_relay_lag_seconds',
      help: 'From the outbox row being written to its publish being confirmed',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300],
      registers: [registry],
    }),
  };
}

export type OutboxMetrics = ReturnType<typeof createOutboxMetrics>;
