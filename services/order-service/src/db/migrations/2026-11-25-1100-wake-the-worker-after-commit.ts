import { sql, type Kysely } from 'kysely';

// Frozen in time: takes Kysely<any> and never imports the application's types.
// The wake-up NOTIFY moves out of the insert's transaction: a transaction that
// sends NOTIFY holds a database-wide lock through its commit, so with the
// trigger every order's commit (and its WAL flush) waited for the previous
// one. order_service now sends a coalesced NOTIFY after the commit instead.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists outbox_events_notify on outbox_events`.execute(db);
  await sql`drop function if exists notify_outbox_event()`.execute(db);
}
