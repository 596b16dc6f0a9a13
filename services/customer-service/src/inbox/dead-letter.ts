import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { DEAD_LETTER_REASON_HEADER, type MessagingTopology } from '@orders/contracts';

/**
 * Moves a message to the dead-letter queue with the reason in a header, then
 * acknowledges the original. The copy is published with a confirm first, so
 * a crash in between can at worst leave the message in both places, never in
 * neither. If the copy cannot be published, the original goes back to the
 * queue, where the delivery limit bounds how often that can happen.
 */
export async function deadLetter(
  deadLetterChannel: ConfirmChannel | undefined,
  topology: MessagingTopology,
  source: Channel,
  message: ConsumeMessage,
  reason: string,
): Promise<boolean> {
  const { properties, fields } = message;
  const headers: Record<string, unknown> = {
    ...(properties.headers ?? {}),
    [DEAD_LETTER_REASON_HEADER]: reason.slice(0, 1_000),
    'x-original-exchange': fields.exchange,
    'x-original-routing-key': fields.routingKey,
    'x-dead-lettered-at': new Date().toISOString(),
  };
  const published =
    deadLetterChannel !== undefined &&
    (await new Promise<boolean>((resolve) => {
      try {
        deadLetterChannel.publish(
          topology.deadLetterExchange,
          '',
          message.content,
          {
            persistent: true,
            contentType: properties.contentType as string | undefined,
            contentEncoding: properties.contentEncoding as string | undefined,
            messageId: properties.messageId as string | undefined,
            type: properties.type as string | undefined,
            timestamp: properties.timestamp as number | undefined,
            correlationId: properties.correlationId as string | undefined,
            appId: properties.appId as string | undefined,
            headers,
          },
          (error: unknown) => resolve(error === null || error === undefined),
        );
      } catch {
        resolve(false);
      }
    }));
  try {
    if (published) source.ack(message);
    else source.nack(message, false, true);
  } catch {
    // The channel closed meanwhile: the broker redelivers the message.
  }
  return published;
}
