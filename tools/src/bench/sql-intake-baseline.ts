import { randomUUID } from 'node:crypto';
import { openPool } from './bench-databases.js';
import { summarize, type Distribution } from './latency-stats.js';
import { waitFor } from './wait-for.js';

export interface SqlIntakeResult {
  seconds: number;
  rate: number;
  created: number;
  latencyMs: Distribution;
}

const TOO_MANY_CONNECTIONS = '53300';

/** What Customer Service reads to answer GET /customers/{id}. */
const LOOK_UP_CUSTOMER = 'select id, name, address, orders_count, created_at, updated_at from customers where id = $1';

/**
 * What Order Service writes for one order: the order and its order.created
 * outbox row in one statement, hence one transaction, with the event payload
 * built from the stored row.
 */
const PLACE_ORDER_WITH_EVENT = `
  with placed as (
    insert into orders (customer_id, product_name, quantity, price, status)
    values ($1, $2, $3, $4::numeric, 'pending')
    returning *
  ), event as (
    insert into outbox_events (event_id, event_type, aggregate_id, payload)
    select $5::uuid, 'order.created', placed.id, jsonb_build_object(
      'event_id', $5::text,
      'occurred_at', to_char(placed.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'order_id', placed.id,
      'customer_id', placed.customer_id,
      'product_name', placed.product_name,
      'quantity', placed.quantity,
      'price', placed.price,
      'status', placed.status)
    from placed
  )
  select * from placed`;

/**
 * The intake baseline: the same SQL as an order placed over HTTP (customer
 * lookup on the customer database, then order + outbox insert on the order
 * database), issued straight through the pg driver by `concurrency` loops,
 * each with its own connection to each database. No HTTP, no validation, no
 * service in between: the ceiling the API is compared with.
 */
export async function placeOrdersWithPlainSql(options: {
  orderUrl: string;
  customerUrl: string;
  concurrency: number;
  seconds: number;
  customerIds: readonly number[];
  signal: AbortSignal;
  onTick?: (created: number) => void;
}): Promise<SqlIntakeResult> {
  const orders = openPool(options.orderUrl, options.concurrency, 'orders-bench:sql-baseline');
  const customers = openPool(options.customerUrl, options.concurrency, 'orders-bench:sql-baseline');
  try {
    // Open every connection first: the HTTP services are measured with warm pools too. The
    // server is shared; while others hold its last slots (53300), wait for them rather than fail.
    await waitFor(
      async () => {
        try {
          await Promise.all(Array.from({ length: options.concurrency }, () => Promise.all([orders.query('select 1'), customers.query('select 1')])));
          return true;
        } catch (error) {
          if ((error as { code?: string }).code === TOO_MANY_CONNECTIONS) return false;
          throw error;
        }
      },
      (opened) => opened,
      { timeoutMs: 60_000, intervalMs: 500, what: `${2 * options.concurrency} PostgreSQL connections for the plain SQL baseline`, signal: options.signal },
    );
    const latencies: number[] = [];
    const started = performance.now();
    const deadline = started + options.seconds * 1000;
    const ticker = setInterval(() => options.onTick?.(latencies.length), 250);
    let turn = 0;
    const loop = async (): Promise<void> => {
      while (performance.now() < deadline && !options.signal.aborted) {
        turn += 1;
        const customerId = options.customerIds[turn % options.customerIds.length] ?? 1;
        const begun = performance.now();
        const found = await customers.query(LOOK_UP_CUSTOMER, [customerId]);
        if (found.rowCount !== 1) throw new Error(`customer ${customerId} not found in the bench database`);
        await orders.query(PLACE_ORDER_WITH_EVENT, [customerId, 'Bench widget', 1 + (turn % 5), '9.99', randomUUID()]);
        latencies.push(performance.now() - begun);
      }
    };
    try {
      await Promise.all(Array.from({ length: options.concurrency }, loop));
    } finally {
      clearInterval(ticker);
    }
    options.signal.throwIfAborted();
    const seconds = (performance.now() - started) / 1000;
    return { seconds, rate: latencies.length / seconds, created: latencies.length, latencyMs: summarize(latencies) };
  } finally {
    await Promise.all([orders.end(), customers.end()]);
  }
}
