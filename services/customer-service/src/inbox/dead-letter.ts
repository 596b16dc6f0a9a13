import { DEAD_LETTER_REASON_HEADER, type MessagingTopology } from '@orders/contracts';
import type { ConfirmedPublisher, Delivery, OutgoingMessage } from '@orders/service-kit/broker';

/** The copy that goes to the dead-letter exchange: the original bytes and properties, and why. */
function deadLetterCopy(topology: MessagingTopology, delivery: Delivery, reason: string): OutgoingMessage {
  const { properties, fields, content } = delivery.message;
  return {
    exchange: topology.deadLetterExchange,
    routingKey: '',
    content,
    properties: {
      persistent: true,
      contentType: properties.contentType as string | undefined,
      contentEncoding: properties.contentEncoding as string | undefined,
      messageId: properties.messageId as string | undefined,
      type: properties.type as string | undefined,
      timestamp: properties.timestamp as number | undefined,
      correlationId: properties.correlationId as string | undefined,
      appId: properties.appId as string | undefined,
      headers: {
        ...(properties.headers ?? {}),
        [DEAD_LETTER_REASON_HEADER]: reason.slice(0, 1_000),
        'x-original-exchange': fields.exchange,
        'x-original-routing-key': fields.routingKey,
        'x-dead-lettered-at': new Date().toISOString(),
      },
    },
  };
}

/**
 * Moves a message to the dead-letter queue with the reason in a header, then
 * acknowledges the original. The copy is published with a confirm first, so
 * a crash in between can at worst leave the message in both places, never in
 * neither. If the copy is not confirmed, the original goes back to the
 * queue, where the delivery limit bounds how often that can happen.
 */
export async function deadLetter(publisher: ConfirmedPublisher, topology: MessagingTopology, delivery: Delivery, reason: string): Promise<boolean> {
  const [outcome] = await publisher.publish([deadLetterCopy(topology, delivery, reason)]);
  const moved = outcome?.status === 'confirmed';
  if (moved) delivery.ack();
  else delivery.requeue();
  return moved;
}
