import { olderThan, scheduleRetention, type ProcessObservability } from '@orders/service-kit';
import type { OrderServiceConfig } from '../config.js';
import type { OrderDb } from '../db/database.js';

/**
 * Published rows are only history, and idempotency keys only matter while
 * clients retry; both are deleted in small batches so the tables stay small.
 */
export function scheduleOutboxRetention(database: OrderDb, outbox: OrderServiceConfig['outbox'], { logger, metrics }: ProcessObservability) {
  return scheduleRetention({
    db: database.db,
    rules: [
      olderThan('outbox_events', 'id', 'published_at', () => `${outbox.retentionDays} days`),
      olderThan('idempotency_keys', 'key', 'created_at', () => `${outbox.idempotencyKeyRetentionHours} hours`),
    ],
    intervalMs: outbox.retentionIntervalMs,
    batchSize: 5_000,
    logger,
    metrics,
  });
}
