import type pg from 'pg';

export interface OrderTotal {
  customerId: number;
  orders: number;
}

export interface CustomerTotal {
  customerId: number;
  ordersCount: number;
  applied: number;
}

const PAGE = 5_000;

/**
 * Orders stored per customer, in customer id order, a page at a time: memory
 * stays bounded however many orders and customers there are, and each page is
 * one index range scan.
 */
export async function* orderTotals(orderDb: pg.Pool): AsyncGenerator<OrderTotal> {
  let after = 0;
  for (;;) {
    const { rows } = await orderDb.query<{ customer_id: string; orders: number }>(
      `select customer_id::int8 as customer_id, count(*)::int as orders
       from orders where customer_id > $1 group by customer_id order by customer_id limit $2`,
      [after, PAGE],
    );
    for (const row of rows) yield { customerId: Number(row.customer_id), orders: row.orders };
    const last = rows.at(-1);
    if (rows.length < PAGE || last === undefined) return;
    after = Number(last.customer_id);
  }
}

/** orders_count and applied inbox events per customer, in id order, a page at a time. */
export async function* customerTotals(customerDb: pg.Pool): AsyncGenerator<CustomerTotal> {
  let after = 0;
  for (;;) {
    const { rows } = await customerDb.query<{ id: string; orders_count: number; applied: number }>(
      `select c.id, c.orders_count,
         (select count(*)::int from processed_order_events p where p.customer_id = c.id) as applied
       from customers c where c.id > $1 order by c.id limit $2`,
      [after, PAGE],
    );
    for (const row of rows) yield { customerId: Number(row.id), ordersCount: row.orders_count, applied: row.applied };
    const last = rows.at(-1);
    if (rows.length < PAGE || last === undefined) return;
    after = Number(last.id);
  }
}

/** The same three numbers for one customer, read again. */
export async function totalsOf(orderDb: pg.Pool, customerDb: pg.Pool, customerId: number): Promise<CustomerComparison> {
  const orders = await orderDb.query<{ n: number }>('select count(*)::int as n from orders where customer_id = $1', [customerId]);
  const customer = await customerDb.query<{ orders_count: number; applied: number }>(
    `select c.orders_count, (select count(*)::int from processed_order_events p where p.customer_id = c.id) as applied
     from customers c where c.id = $1`,
    [customerId],
  );
  const row = customer.rows[0];
  return { customerId, orders: orders.rows[0]?.n ?? 0, ordersCount: row?.orders_count ?? null, applied: row?.applied ?? 0 };
}

export interface CustomerComparison {
  customerId: number;
  /** Orders stored by order_service for this customer. */
  orders: number;
  /** customers.orders_count, or null when customer_service has no such customer. */
  ordersCount: number | null;
  /** Events applied for this customer still in the inbox (retention removes old ones). */
  applied: number;
}

/**
 * The promise is orders stored = orders_count. The inbox count is shown
 * beside them; it may be lower than orders_count once retention has removed
 * old inbox rows, so on its own it is not a mismatch.
 */
export function isMismatch(comparison: CustomerComparison): boolean {
  return comparison.orders !== (comparison.ordersCount ?? 0) || (comparison.ordersCount === null && comparison.orders > 0);
}
