import { orderCreatedJsonbSql } from '@orders/contracts';
import type { NewOrder } from './new-order.js';

/** One order to store, with its event and (optionally) its Idempotency-Key. */
export interface OrderToWrite {
  order: NewOrder;
  eventId: string;
  traceparent: string | undefined;
  idempotency: { key: string; fingerprint: string } | undefined;
}

// ISO 8601 with milliseconds in UTC, as the API shows created_at. Written in
// pieces, each colon its own literal, because pgbench reads a colon before a
// name as one of its variables, even inside a string, and it must send this
// statement unchanged.
const CREATED_AT_UTC = `p.created_at at time zone 'UTC'`;
const OCCURRED_AT = `to_char(${CREATED_AT_UTC}, 'YYYY-MM-DD"T"HH24') || ':' || to_char(${CREATED_AT_UTC}, 'MI') || ':' || to_char(${CREATED_AT_UTC}, 'SS.MS"Z"')`;

/** The event is built from the stored row, field by field as the contract names them. */
const ORDER_CREATED_PAYLOAD = orderCreatedJsonbSql({
  event_id: 'r.event_id::text',
  occurred_at: OCCURRED_AT,
  order_id: 'p.id',
  customer_id: 'p.customer_id',
  product_name: 'p.product_name',
  quantity: 'p.quantity',
  price: 'p.price',
  status: 'p.status',
});

/**
 * The transactional outbox write, for a batch of orders in ONE statement:
 * every order, its order.created event and its idempotency key are inserted
 * together, so PostgreSQL commits all of them or none (an order is never
 * stored without its event, nor the reverse), and a batch costs one round
 * trip, one transaction and one WAL flush however many orders it holds.
 *
 * Idempotency: the keys are claimed first (`on conflict do nothing`), and
 * only an order whose key was claimed, or that has none, is inserted. A key
 * held by a transaction still in flight makes this one wait for it; if that
 * one commits the key stays theirs, if it aborts the key is claimed here
 * (keys are claimed in key order, so two batches never wait for each other
 * in a circle). So
 * one key gives one order, whether the colliding requests share a batch or
 * not, and a collision never fails the other orders of the batch. Order ids
 * are drawn from the identity's own sequence up front so the key can name its
 * order before the order row exists (the foreign key is checked at the end of
 * the statement).
 *
 * The event id comes from the caller; a missing one (the pgbench baseline,
 * which cannot make uuids) is generated here.
 *
 * The bench's pgbench and Node baselines send this very text, one order per
 * statement, so intake is compared with the statement it actually sends.
 * Parameters are column arrays, one element per order (see placeOrdersParameters);
 * it answers one row per order, in their order, with nulls for an order not
 * stored because its key was already taken.
 */
export const PLACE_ORDERS_STATEMENT = `
with r as materialized (
  select request.*,
    nextval(pg_get_serial_sequence('orders', 'id')) as order_id,
    coalesce(request.given_event_id, gen_random_uuid()) as event_id
  from unnest($1::bigint[], $2::text[], $3::integer[], $4::numeric[], $5::text[], $6::uuid[], $7::text[], $8::text[], $9::text[])
    with ordinality as request(customer_id, product_name, quantity, price, status, given_event_id, traceparent, idempotency_key, fingerprint, position)
), claimed_keys as (
  insert into idempotency_keys (key, request_fingerprint, order_id)
  select r.idempotency_key, r.fingerprint, r.order_id from r where r.idempotency_key is not null
  order by r.idempotency_key
  on conflict (key) do nothing
  returning order_id
), p as (
  insert into orders (id, customer_id, product_name, quantity, price, status)
  overriding system value
  select r.order_id, r.customer_id, r.product_name, r.quantity, r.price, r.status from r
  where r.idempotency_key is null or r.order_id in (select order_id from claimed_keys)
  returning *
), events as (
  insert into outbox_events (event_id, event_type, aggregate_id, payload, traceparent)
  select r.event_id, 'order.created', p.id, ${ORDER_CREATED_PAYLOAD}, r.traceparent
  from p join r on r.order_id = p.id
)
select p.* from r left join p on p.id = r.order_id order by r.position`;

/** The statement's nine column arrays for these orders, in their order. */
export function placeOrdersParameters(writes: readonly OrderToWrite[]): unknown[][] {
  return [
    writes.map((write) => write.order.customerId),
    writes.map((write) => write.order.productName),
    writes.map((write) => write.order.quantity),
    writes.map((write) => write.order.price),
    writes.map((write) => write.order.status),
    writes.map((write) => write.eventId),
    writes.map((write) => write.traceparent ?? null),
    writes.map((write) => write.idempotency?.key ?? null),
    writes.map((write) => write.idempotency?.fingerprint ?? null),
  ];
}
