import type { Migration } from 'kysely';
import * as createOrdersOutboxIdempotency from './2026-11-25-0900-create-orders-outbox-idempotency.js';
import * as wakeTheWorkerAfterCommit from './2026-11-25-1100-wake-the-worker-after-commit.js';

/** Every migration, in order. Listed by hand so the compiled build needs no directory scan. */
export const migrations: Record<string, Migration> = {
  '2026-11-25-0900-create-orders-outbox-idempotency': createOrdersOutboxIdempotency,
  '2026-11-25-1100-wake-the-worker-after-commit': wakeTheWorkerAfterCommit,
};
