import type pg from 'pg';
import { OUTBOX_WAKEUP_CHANNEL } from '@orders/contracts';

export interface DeadOutboxRow {
  id: number;
  eventId: string;
  orderId: number;
  attempts: number;
  lastError: string | null;
  deadAt: Date;
  createdAt: Date;
}

/** Which dead rows an operator means: some by id, or every one. */
export type DeadRowSelector = { ids: number[] } | { all: true };

/** Outbox rows that ran out of attempts, oldest first. */
export async function listDeadOutboxRows(orderDb: pg.Pool, limit: number): Promise<DeadOutboxRow[]> {
  const { rows } = await orderDb.query<{
    id: string;
    event_id: string;
    aggregate_id: string;
    attempts: number;
    last_error: string | null;
    dead_at: Date;
    created_at: Date;
  }>(
    `select id, event_id, aggregate_id, attempts, last_error, dead_at, created_at
     from outbox_events where dead_at is not null order by id limit $1`,
    [limit],
  );
  return rows.map((row) => ({
    id: Number(row.id),
    eventId: row.event_id,
    orderId: Number(row.aggregate_id),
    attempts: row.attempts,
    lastError: row.last_error,
    deadAt: row.dead_at,
    createdAt: row.created_at,
  }));
}

/** Of these ids, the ones that are not dead outbox rows (unknown, or already retried or published). */
export async function missingDeadRows(orderDb: pg.Pool, ids: number[]): Promise<number[]> {
  const { rows } = await orderDb.query<{ id: string }>(
    'select id from outbox_events where dead_at is not null and id = any($1::bigint[])',
    [ids],
  );
  const found = new Set(rows.map((row) => Number(row.id)));
  return ids.filter((id) => !found.has(id));
}

/**
 * Gives dead rows a fresh set of attempts, due now, and wakes a listening
 * worker so it publishes them at once rather than at its next poll. The
 * worker's claim picks them up like any new row, so a retry goes through
 * the same confirmed publish.
 */
export async function retryDeadOutboxRows(orderDb: pg.Pool, selector: DeadRowSelector): Promise<number> {
  const all = 'all' in selector;
  const result = await orderDb.query(
    `update outbox_events
     set dead_at = null, attempts = 0, next_attempt_at = now()
     where dead_at is not null and ($1::boolean or id = any($2::bigint[]))`,
    [all, all ? [] : selector.ids],
  );
  await orderDb.query('select pg_notify($1, $2)', [OUTBOX_WAKEUP_CHANNEL, '']);
  return result.rowCount ?? 0;
}
