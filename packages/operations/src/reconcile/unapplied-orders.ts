import type pg from 'pg';

const PAGE = 5_000;

/**
 * One customer's orders stored within the last `windowDays` that have no
 * applied event in the inbox. Only orders inside the inbox's retention window
 * can be judged: an older order's inbox row may have been removed on purpose.
 */
export async function unappliedOrders(orderDb: pg.Pool, customerDb: pg.Pool, customerId: number, windowDays: number): Promise<number[]> {
  const missing: number[] = [];
  let after = 0;
  for (;;) {
    const { rows } = await orderDb.query<{ id: string }>(
      `select id from orders
       where customer_id = $1 and id > $2 and created_at > now() - make_interval(days => $3)
       order by id limit $4`,
      [customerId, after, windowDays, PAGE],
    );
    const ids = rows.map((row) => Number(row.id));
    if (ids.length === 0) return missing;
    const applied = await customerDb.query<{ order_id: string }>(
      'select order_id from processed_order_events where customer_id = $1 and order_id = any($2::bigint[])',
      [customerId, ids],
    );
    const seen = new Set(applied.rows.map((row) => Number(row.order_id)));
    missing.push(...ids.filter((id) => !seen.has(id)));
    if (ids.length < PAGE) return missing;
    after = ids.at(-1) ?? after;
  }
}
