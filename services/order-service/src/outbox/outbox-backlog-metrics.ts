import { sql, type Kysely } from 'kysely';
import { Gauge, type Registry } from '@orders/service-kit';
import type { OrderDatabase } from '../db/schema.js';

/**
 * Backlog gauges, read from the table when Prometheus scrapes: rows waiting to
 * be published, the age of the oldest one (the outbox lag), and dead rows.
 * Both queries use the partial indexes, so they stay cheap with millions of
 * published rows in the table.
 */
export function observeOutboxBacklog(registry: Registry, db: Kysely<OrderDatabase>): void {
  let snapshot: Promise<{ pending: number; oldestSeconds: number; dead: number }> | undefined;
  const read = () => {
    snapshot ??= sql<{ pending: number; oldest_seconds: number | null; dead: number }>`
      select
        (select count(*)::int from outbox_events where published_at is null and dead_at is null) as pending,
        (select extract(epoch from now() - created_at)::float8 from outbox_events
          where published_at is null and dead_at is null order by id limit 1) as oldest_seconds,
        (select count(*)::int from outbox_events where dead_at is not null) as dead
    `
      .execute(db)
      .then(({ rows }) => ({ pending: rows[0]?.pending ?? 0, oldestSeconds: rows[0]?.oldest_seconds ?? 0, dead: rows[0]?.dead ?? 0 }))
      .finally(() => {
        // One query per scrape, shared by the three gauges.
        setImmediate(() => (snapshot = undefined));
      });
    return snapshot;
  };
  new Gauge({
    name: 'outbox_events_pending',
    help: 'Outbox rows not yet published and not dead',
    registers: [registry],
    async collect() {
      this.set((await read()).pending);
    },
  });
  new Gauge({
    name: 'outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest row waiting to be published: the outbox lag',
    registers: [registry],
    async collect() {
      this.set((await read()).oldestSeconds);
    },
  });
  new Gauge({
    name: 'outbox_events_dead',
    help: 'Outbox rows that ran out of attempts and wait for an operator (npm run outbox -- retry)',
    registers: [registry],
    async collect() {
      this.set((await read()).dead);
    },
  });
}
