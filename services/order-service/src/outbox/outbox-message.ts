import { orderCreatedMessageProperties, serializeOrderCreated, type MessagingTopology, type OrderCreatedV1 } from '@orders/contracts';
import { startPublishSpan, traceparentOf, type Span, type Tracing } from '@orders/service-kit';
import type { OutgoingMessage } from '@orders/service-kit/broker';
import type { ClaimedEvent } from './outbox.repository.js';

export interface TracedMessage {
  message: OutgoingMessage;
  /** The publish span, ended by the relay once the outcome is known. */
  span: Span | undefined;
}

/**
 * The message for a row. A row stored by a traced request gets a publish span
 * in that request's trace, and the message carries that span's traceparent,
 * so the consumer's span joins the same trace.
 */
export function toOutgoingMessage(row: ClaimedEvent, now: Date, topology: MessagingTopology, tracing: Tracing, node: string | undefined): TracedMessage {
  // The payload was built from the contract's fields by the statement that stored the order.
  const event = row.payload as OrderCreatedV1;
  const span = startPublishSpan(tracing, {
    exchange: topology.exchange,
    routingKey: topology.routingKey,
    messageId: row.event_id,
    traceparent: row.traceparent,
    node,
    attributes: { 'order.id': event.order_id },
  });
  const traceparent = (span === undefined ? undefined : traceparentOf(span)) ?? row.traceparent;
  return {
    message: {
      exchange: topology.exchange,
      routingKey: topology.routingKey,
      content: serializeOrderCreated(event),
      properties: orderCreatedMessageProperties(event, traceparent, now),
    },
    span,
  };
}
