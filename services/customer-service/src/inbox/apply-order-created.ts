import { sql, type Kysely } from 'kysely';
import type { OrderCreatedV1 } from '@orders/contracts';
import type { CustomerDatabase } from '../db/schema.js';

export type ApplyOutcome = 'applied' | 'duplicate' | 'unknown_customer';

/**
 * Applies order.created events: each new event_id raises its customer's
 * orders_count by one. ONE statement, so for every event the inbox row and the
 * count change commit together or not at all:
 *
 * - the inbox insert's `on conflict (event_id) do nothing` is the idempotency:
 *   an event seen before inserts nothing and so counts nothing, including when
 *   two consumers apply it at once (the second waits for the first's commit);
 * - customers are locked in id order first, so concurrent batches touching the
 *   same customers queue up instead of deadlocking;
 * - events for a customer that does not exist are neither recorded nor
 *   counted; the caller dead-letters them.
 *
 * `events` must have distinct event_ids.
 */
export async function applyOrderCreatedEvents(db: Kysely<CustomerDatabase>, events: OrderCreatedV1[]): Promise<Map<string, ApplyOutcome>> {
  if (events.length === 0) return new Map();
  const result = await sql<{ event_id: string; outcome: ApplyOutcome }>`
    with incoming as (
      select *
      from unnest(
        ${events.map((e) => e.event_id)}::uuid[],
        ${events.map((e) => e.order_id)}::bigint[],
        ${events.map((e) => e.customer_id)}::bigint[],
        ${events.map((e) => e.occurred_at)}::timestamptz[]
      ) as t(event_id, order_id, customer_id, occurred_at)
    ), known as (
      select c.id from customers c
      where c.id in (select customer_id from incoming)
      order by c.id
      for no key update
    ), inserted as (
      insert into processed_order_events (event_id, order_id, customer_id, occurred_at)
      select i.event_id, i.order_id, i.customer_id, i.occurred_at
      from incoming i join known k on k.id = i.customer_id
      order by i.event_id
      on conflict (event_id) do nothing
      returning event_id, customer_id
    ), counted as (
      update customers c
      set orders_count = c.orders_count + n.applied, updated_at = now()
      from (select customer_id, count(*)::int as applied from inserted group by customer_id) n
      where c.id = n.customer_id
    )
    select i.event_id::text as event_id,
      case
        when ins.event_id is not null then 'applied'
        when exists (select 1 from known k where k.id = i.customer_id) then 'duplicate'
        else 'unknown_customer'
      end as outcome
    from incoming i left join inserted ins on ins.event_id = i.event_id
  `.execute(db);
  return new Map(result.rows.map((row) => [row.event_id, row.outcome]));
}
