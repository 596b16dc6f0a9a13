import type { ChannelModel } from 'amqplib';
import type pg from 'pg';
import {
  orderCreatedMessageProperties,
  serializeOrderCreated,
  type MessagingTopology,
  type OrderCreatedV1,
} from '@orders/contracts';

export interface RepublishResult {
  republished: number[];
  /** Orders whose outbox row is gone (retention), so their event_id is unknown. */
  withoutEvent: number[];
}

/**
 * Publishes the stored order.created events of these orders again, with their
 * original event_id, and waits for the broker's confirms. Safe by design: the
 * consumer applies an event_id once, so a copy of an applied event is a no-op.
 */
export async function republishEvents(
  orderDb: pg.Pool,
  connection: ChannelModel,
  topology: MessagingTopology,
  orderIds: number[],
): Promise<RepublishResult> {
  if (orderIds.length === 0) return { republished: [], withoutEvent: [] };
  const { rows } = await orderDb.query<{ aggregate_id: string; payload: OrderCreatedV1; traceparent: string | null }>(
    `select distinct on (aggregate_id) aggregate_id, payload, traceparent
     from outbox_events where aggregate_id = any($1::bigint[]) and event_type = 'order.created'
     order by aggregate_id, id`,
    [orderIds],
  );
  const channel = await connection.createConfirmChannel();
  try {
    await channel.assertExchange(topology.exchange, 'topic', { durable: true });
    const now = new Date();
    for (const row of rows) {
      channel.publish(topology.exchange, topology.routingKey, serializeOrderCreated(row.payload), {
        ...orderCreatedMessageProperties(row.payload, row.traceparent, now),
        mandatory: true,
      });
    }
    await channel.waitForConfirms();
  } finally {
    await channel.close();
  }
  const republished = rows.map((row) => Number(row.aggregate_id));
  const found = new Set(republished);
  return { republished, withoutEvent: orderIds.filter((id) => !found.has(id)) };
}
