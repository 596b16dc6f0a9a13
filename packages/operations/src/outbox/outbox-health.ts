import type pg from 'pg';

export interface OutboxHealth {
  pending: number;
  dead: number;
  /** Age of the oldest row still to publish; 0 when nothing waits. */
  oldestPendingAgeSeconds: number;
}

/** What the outbox holds right now; both counts use the worker's partial indexes. */
export async function readOutboxHealth(orderDb: pg.Pool): Promise<OutboxHealth> {
  const { rows } = await orderDb.query<{ pending: number; dead: number; oldest_age: number | null }>(
    `select
       (select count(*)::int from outbox_events where published_at is null and dead_at is null) as pending,
       (select count(*)::int from outbox_events where dead_at is not null) as dead,
       (select extract(epoch from now() - created_at)::float8
          from outbox_events where published_at is null and dead_at is null order by id limit 1) as oldest_age`,
  );
  const row = rows[0];
  return { pending: row?.pending ?? 0, dead: row?.dead ?? 0, oldestPendingAgeSeconds: Math.max(0, row?.oldest_age ?? 0) };
}
