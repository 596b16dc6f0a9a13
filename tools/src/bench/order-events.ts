import { randomUUID } from 'node:crypto';
import { orderCreatedMessageProperties, serializeOrderCreated, type OrderCreatedV1 } from '@orders/contracts';
import type { OutgoingMessage } from './bench-broker.js';

/** Order ids of the events the bench makes up start here, far above any order stored during a run, so counting real orders never meets them. */
export const SYNTHETIC_ORDER_ID_BASE = 1_000_000_000_000;

/** An order.created message exactly as the outbox worker would publish it (contract body and properties). */
export const orderCreatedMessage = (event: OrderCreatedV1, traceparent: string | null, now = new Date()): OutgoingMessage => ({
  body: serializeOrderCreated(event),
  options: orderCreatedMessageProperties(event, traceparent, now),
});

/** `count` made-up events, customers taken in turn, with order ids from `firstOrderId`. */
export function syntheticOrderCreatedMessages(count: number, firstOrderId: number, customerIds: readonly number[]): OutgoingMessage[] {
  const occurred_at = new Date().toISOString();
  return Array.from({ length: count }, (_, index) => {
    const customer_id = customerIds[index % customerIds.length] ?? 1;
    const order = { order_id: firstOrderId + index, customer_id, product_name: 'Bench widget', quantity: 1 + (index % 5) };
    return orderCreatedMessage({ event_id: randomUUID(), occurred_at, ...order, price: 9.99, status: 'pending' }, null);
  });
}

/** Request bodies for POST /api/v1/orders, one per customer, so orders spread over all of them. */
export const orderRequestBodies = (customerIds: readonly number[]): string[] =>
  customerIds.map((customer_id, index) =>
    JSON.stringify({ customer_id, product_name: 'Bench widget', quantity: 1 + (index % 5), price: 9.99 }),
  );
