import { olderThan, scheduleRetention, type ProcessObservability } from '@orders/service-kit';
import type { CustomerServiceConfig } from '../config.js';
import type { CustomerDb } from '../db/database.js';

/**
 * The inbox only has to remember an event_id as long as that event could be
 * delivered again (redelivery, a replay from the dead-letter queue): keep
 * INBOX_RETENTION_DAYS well above the longest replay window.
 */
export function scheduleInboxRetention(database: CustomerDb, consumer: CustomerServiceConfig['consumer'], { logger, metrics }: ProcessObservability) {
  return scheduleRetention({
    db: database.db,
    rules: [olderThan('processed_order_events', 'event_id', 'processed_at', () => `${consumer.retentionDays} days`)],
    intervalMs: consumer.retentionIntervalMs,
    batchSize: 5_000,
    logger,
    metrics,
  });
}
