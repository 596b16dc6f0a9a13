import { orderCreatedMessageProperties, parseOrderCreated, serializeOrderCreated, type MessagingTopology, type OrderCreatedV1 } from '@orders/contracts';
import { startPublishSpan, traceparentOf, type Span, type Tracing } from '@orders/service-kit';
import type { OutgoingMessage } from '@orders/service-kit/broker';
import type { ClaimedEvent } from './outbox.repository.js';

export interface TracedMessage {
  message: OutgoingMessage;
  /** The publish span, ended by the relay once the outcome is known. */
  span: Span | undefined;
}

/** A row whose payload is not an order.created v1 event: it is never published. */
export interface InvalidPayload {
  invalid: string;
}

/** The body for a row's payload, checked against the contract's schema: what is published is what the consumer accepts. */
function checkedBody(payload: unknown): { ok: true; body: Buffer; event: OrderCreatedV1 } | { ok: false; reason: string } {
  let body: Buffer;
  try {
    body = serializeOrderCreated(payload as OrderCreatedV1);
  } catch {
    return { ok: false, reason: 'the payload is not an object' };
  }
  const parsed = parseOrderCreated(body);
  return parsed.ok ? { ok: true, body, event: parsed.event } : { ok: false, reason: parsed.reason };
}

/**
 * The message for a row. A row stored by a traced request gets a publish span
 * in that request's trace, and the message carries that span's traceparent,
 * so the consumer's span joins the same trace.
 */
export function toOutgoingMessage(
  row: ClaimedEvent,
  now: Date,
  topology: MessagingTopology,
  tracing: Tracing,
  node: string | undefined,
): TracedMessage | InvalidPayload {
  const checked = checkedBody(row.payload);
  if (!checked.ok) return { invalid: `payload is not an order.created v1 event: ${checked.reason}` };
  const { event, body } = checked;
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
      content: body,
      properties: orderCreatedMessageProperties(event, traceparent, now),
    },
    span,
  };
}
