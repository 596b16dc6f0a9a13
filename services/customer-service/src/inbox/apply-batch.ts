import type { Kysely } from 'kysely';
import type { OrderCreatedV1 } from '@orders/contracts';
import { isTransientDatabaseError, type Logger } from '@orders/service-kit';
import type { CustomerDatabase } from '../db/schema.js';
import { applyOrderCreatedEvents, type ApplyOutcome } from './apply-order-created.js';
import type { InboxMetrics } from './inbox-metrics.js';
import type { ApplyTry } from './settlement-decision.js';

export type Applied = { ok: true; outcomes: Map<string, ApplyOutcome> } | Extract<ApplyTry, { ok: false }>;

/**
 * One try at applying a batch, as a result instead of an exception, timed,
 * with the database's coming and going logged once each way.
 */
export function createBatchApplier(options: { db: Kysely<CustomerDatabase>; metrics: InboxMetrics; logger: Logger }) {
  const { db, metrics, logger } = options;
  let databaseDown = false;
  return async function applyBatch(events: OrderCreatedV1[]): Promise<Applied> {
    const stopTimer = metrics.batchDuration.startTimer();
    try {
      const outcomes = await applyOrderCreatedEvents(db, events);
      stopTimer();
      if (databaseDown) {
        databaseDown = false;
        logger.info('consumer reached the database again');
      }
      return { ok: true, outcomes };
    } catch (error) {
      const transient = isTransientDatabaseError(error);
      if (transient && !databaseDown) {
        databaseDown = true;
        logger.error({ err: error }, 'consumer cannot apply events: database unavailable; retrying with backoff');
      }
      return { ok: false, transient, message: (error as Error).message };
    }
  };
}
