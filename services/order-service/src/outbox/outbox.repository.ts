import { sql, type Transaction } from 'kysely';
import type { OrderDatabase } from '../db/schema.js';

/** A due outbox row, claimed by the current transaction. */
export interface ClaimedEvent {
  id: number;
  event_id: string;
  payload: unknown;
  traceparent: string | null;
  attempts: number;
  created_at: Date;
}

export interface PublishFailure {
  id: number;
  /** When to try again, in milliseconds from now. */
  retryInMs: number;
  error: string;
}

/**
 * Claims up to `limit` due rows, oldest first, and locks them for the
 * transaction. SKIP LOCKED lets several workers claim side by side without
 * waiting for or double-claiming each other's rows; the lock ends with the
 * transaction, so a worker that dies mid-batch leaves its rows due for the
 * next claim instead of stuck.
 */
export async function claimDueEvents(trx: Transaction<OrderDatabase>, limit: number): Promise<ClaimedEvent[]> {
  const result = await sql<ClaimedEvent>`
    select id, event_id, payload, traceparent, attempts, created_at
    from outbox_events
    where published_at is null and dead_at is null and next_attempt_at <= now()
    order by id
    limit ${limit}
    for update skip locked
  `.execute(trx);
  return result.rows;
}

/** Marks rows published; called only after the broker confirmed every one of them. */
export async function markPublished(trx: Transaction<OrderDatabase>, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`
    update outbox_events
    set published_at = now(), attempts = attempts + 1, last_error = null
    where id = any(${ids}::bigint[])
  `.execute(trx);
}

/**
 * Records failed publishes: one more attempt, the error, and the next attempt
 * time. A row that has used its last attempt is marked dead instead, and the
 * claim no longer picks it up until an operator retries it.
 */
export async function recordFailures(trx: Transaction<OrderDatabase>, failures: PublishFailure[], maxAttempts: number): Promise<number> {
  if (failures.length === 0) return 0;
  const result = await sql<{ dead: boolean }>`
    update outbox_events o
    set attempts = o.attempts + 1,
        last_error = f.error,
        next_attempt_at = now() + f.retry_in_ms * interval '1 millisecond',
        dead_at = case when o.attempts + 1 >= ${maxAttempts}::int then now() end
    from unnest(${failures.map((f) => f.id)}::bigint[], ${failures.map((f) => f.retryInMs)}::float8[], ${failures.map((f) => f.error)}::text[])
      as f(id, retry_in_ms, error)
    where o.id = f.id
    returning o.dead_at is not null as dead
  `.execute(trx);
  return result.rows.filter((row) => row.dead).length;
}
