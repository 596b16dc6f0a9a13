import { sql, type Kysely } from 'kysely';

// Frozen in time: a migration describes the schema as it was when written,
// so it takes Kysely<any> and never imports the application's types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table orders (
      id bigint generated always as identity primary key,
      customer_id bigint not null check (customer_id >= 1),
      product_name varchar(255) not null check (length(btrim(product_name)) between 1 and 255),
      quantity integer not null check (quantity between 1 and 1000000),
      price numeric(10, 2) not null check (price >= 0),
      status text not null default 'pending'
        check (status in ('pending', 'processing', 'completed', 'cancelled')),
      created_at timestamptz(3) not null default now(),
      updated_at timestamptz(3) not null default now()
    )
  `.execute(db);
  // GET /api/v1/orders?customer_id=… newest first, and reconciliation's count per customer.
  await sql`create index orders_customer_id_id_idx on orders (customer_id, id desc)`.execute(db);

  await sql`
    create table outbox_events (
      id bigint generated always as identity primary key,
      event_id uuid not null unique,
      event_type text not null,
      aggregate_id bigint not null,
      payload jsonb not null,
      traceparent text,
      attempts integer not null default 0,
      next_attempt_at timestamptz(3) not null default now(),
      published_at timestamptz(3),
      dead_at timestamptz(3),
      last_error text,
      created_at timestamptz(3) not null default now()
    )
  `.execute(db);
  // The worker's claim reads only rows still to publish; a partial index keeps
  // that scan small however many published rows the table holds.
  await sql`
    create index outbox_events_due_idx on outbox_events (id)
    where published_at is null and dead_at is null
  `.execute(db);
  await sql`create index outbox_events_dead_idx on outbox_events (id) where dead_at is not null`.execute(db);
  await sql`create index outbox_events_published_at_idx on outbox_events (published_at) where published_at is not null`.execute(db);
  await sql`create index outbox_events_aggregate_id_idx on outbox_events (aggregate_id)`.execute(db);
  // A hot queue table: rows are inserted, updated once and deleted by retention.
  // Vacuum it often so dead tuples never slow the claim.
  await sql`
    alter table outbox_events set (
      autovacuum_vacuum_scale_factor = 0.01,
      autovacuum_vacuum_threshold = 1000,
      autovacuum_analyze_scale_factor = 0.02
    )
  `.execute(db);

  // A wake-up hint for the outbox worker. NOTIFY is delivered on commit, so the
  // worker never wakes for a row it cannot see yet; one per statement, and
  // PostgreSQL folds identical notifications of one transaction into one.
  await sql`
    create function notify_outbox_event() returns trigger language plpgsql as $$
    begin
      perform pg_notify('outbox_events', '');
      return null;
    end
    $$
  `.execute(db);
  await sql`
    create trigger outbox_events_notify after insert on outbox_events
    for each statement execute function notify_outbox_event()
  `.execute(db);

  await sql`
    create table idempotency_keys (
      key text primary key,
      request_fingerprint text not null,
      order_id bigint not null references orders (id),
      created_at timestamptz(3) not null default now()
    )
  `.execute(db);
  await sql`create index idempotency_keys_created_at_idx on idempotency_keys (created_at)`.execute(db);
}
