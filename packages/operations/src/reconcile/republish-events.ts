import type pg from 'pg';
import type { OrderCreatedV1 } from '@orders/contracts';

/** An order.created event as the outbox stored it, to be published again as it was. */
export interface StoredOrderCreated {
  payload: OrderCreatedV1;
  traceparent: string | null;
}

/** Some re-published events were not confirmed: the broker may or may not have them, so repair again later. */
export class RepublishNotConfirmedError extends Error {
  override name = 'RepublishNotConfirmedError';
}

/** Publishes events to the orders exchange and resolves once the broker confirmed every one; rejects with RepublishNotConfirmedError otherwise. */
export type OrderCreatedRepublisher = (events: StoredOrderCreated[]) => Promise<void>;

export interface RepublishResult {
  republished: number[];
  /** Orders whose outbox row is gone (retention), so their event_id is unknown. */
  withoutEvent: number[];
}

/**
 * Publishes the stored order.created events of these orders again, with their
 * original event_id. Safe by design: the consumer applies an event_id once,
 * so a copy of an applied event is a no-op.
 */
export async function republishEvents(orderDb: pg.Pool, republisher: OrderCreatedRepublisher, orderIds: number[]): Promise<RepublishResult> {
  if (orderIds.length === 0) return { republished: [], withoutEvent: [] };
  const { rows } = await orderDb.query<{ aggregate_id: string; payload: OrderCreatedV1; traceparent: string | null }>(
    `select distinct on (aggregate_id) aggregate_id, payload, traceparent
     from outbox_events where aggregate_id = any($1::bigint[]) and event_type = 'order.created'
     order by aggregate_id, id`,
    [orderIds],
  );
  await republisher(rows.map((row) => ({ payload: row.payload, traceparent: row.traceparent })));
  const republished = rows.map((row) => Number(row.aggregate_id));
  const found = new Set(republished);
  return { republished, withoutEvent: orderIds.filter((id) => !found.has(id)) };
}
