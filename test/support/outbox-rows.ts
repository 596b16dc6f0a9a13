import type pg from 'pg';

/**
 * Stores `count` orders with their outbox rows straight in the order database,
 * in one statement, the same shape the API writes: for preloading backlogs.
 * `alreadyPublished` plants rows as if their publish had been confirmed.
 */
export async function insertOrdersWithEvents(
  orderDb: pg.Pool,
  customerId: number,
  count: number,
  label: string,
  alreadyPublished = false,
): Promise<void> {
  await orderDb.query(
    `with o as (
       insert into orders (customer_id, product_name, quantity, price, status)
       select $1, $3 || '-' || g, 1, 1.00, 'pending' from generate_series(1, $2) g
       returning *
     ), e as (select gen_random_uuid() as event_id, o.* from o)
     insert into outbox_events (event_id, event_type, aggregate_id, published_at, payload)
     select e.event_id, 'order.created', e.id, case when $4 then now() end, jsonb_build_object(
       'event_id', e.event_id::text,
       'occurred_at', to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       'order_id', e.id, 'customer_id', e.customer_id, 'product_name', e.product_name,
       'quantity', e.quantity, 'price', e.price, 'status', e.status)
     from e`,
    [customerId, count, label, alreadyPublished],
  );
}

export interface OutboxState {
  total: number;
  published: number;
  dead: number;
  attempted: number;
}

export async function outboxState(orderDb: pg.Pool, label: string): Promise<OutboxState> {
  const { rows } = await orderDb.query<OutboxState>(
    `select count(*)::int as total,
            count(*) filter (where published_at is not null)::int as published,
            count(*) filter (where dead_at is not null)::int as dead,
            count(*) filter (where attempts > 0)::int as attempted
     from outbox_events where payload->>'product_name' like $1 || '-%'`,
    [label],
  );
  return rows[0] ?? { total: 0, published: 0, dead: 0, attempted: 0 };
}

/** Inserts a customer straight into the customer database; returns its id. */
export async function insertCustomer(customerDb: pg.Pool, name: string): Promise<number> {
  const { rows } = await customerDb.query<{ id: number }>(
    `insert into customers (name, address) values ($1, 'Test Street') returning id::int`,
    [name],
  );
  const id = rows[0]?.id;
  if (id === undefined) throw new Error('customer insert returned no id');
  return id;
}

export interface CountState {
  ordersCount: number;
  applied: number;
}

/** A customer's orders_count and the number of inbox rows for it: these must always be equal. */
export async function countState(customerDb: pg.Pool, customerId: number): Promise<CountState> {
  const { rows } = await customerDb.query<CountState>(
    `select c.orders_count as "ordersCount",
            (select count(*)::int from processed_order_events p where p.customer_id = c.id) as applied
     from customers c where c.id = $1`,
    [customerId],
  );
  return rows[0] ?? { ordersCount: -1, applied: -1 };
}
