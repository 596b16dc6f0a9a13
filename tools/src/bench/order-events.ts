import { randomUUID } from 'node:crypto';
import { orderCreatedMessageProperties, serializeOrderCreated, type OrderCreatedV1 } from '@orders/contracts';
import type { OutgoingMessage } from './bench-broker.js';

/**
 * Order ids of the events the bench makes up start here, far above any order
 * the services store during a run, so counting real orders never meets them.
 */
export const SYNTHETIC_ORDER_ID_BASE = 1_000_000_000_000;

/** An order.created message exactly as the outbox worker would publish it (contract body and properties). */
export function orderCreatedMessage(event: OrderCreatedV1, traceparent: string | null, now: Date): OutgoingMessage {
  return { body: serializeOrderCreated(event), options: orderCreatedMessageProperties(event, traceparent, now) };
}

/** `count` made-up events, customers taken in turn, with order ids from `firstOrderId`. */
export function syntheticOrderCreatedMessages(count: number, firstOrderId: number, customerIds: readonly number[]): OutgoingMessage[] {
  const now = new Date();
  return Array.from({ length: count }, (_, index) => {
    const customer_id = customerIds[index % customerIds.length] ?? 1;
    const event: OrderCreatedV1 = {
      event_id: randomUUID(),
      occurred_at: now.toISOString(),
      order_id: firstOrderId + index,
      customer_id,
      product_name: 'Bench widget',
      quantity: 1 + (index % 5),
      price: 9.99,
      status: 'pending',
    };
    return orderCreatedMessage(event, null, now);
  });
}

/** Request bodies for POST /api/v1/orders, one per customer, so orders spread over all of them. */
export function orderRequestBodies(customerIds: readonly number[]): string[] {
  return customerIds.map((customer_id, index) =>
    JSON.stringify({ customer_id, product_name: 'Bench widget', quantity: 1 + (index % 5), price: 9.99 }),
  );
}
